"""The programme's pages: actions, activities, events, family vouchers, the timeline and progress reports."""
