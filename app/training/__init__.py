"""Training: the plan's catalogue, editions, enrolment and attendance, and the pre/post impact report."""
