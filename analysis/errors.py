"""Errors of the analysis package, with messages written to be shown to users."""


class AnalysisError(Exception):
    """Base of every error raised by analysis/."""


class ImpactError(AnalysisError):
    """A problem with the data given to the pre/post impact statistics, told in Italian then English."""

    def __init__(self, italian: str, english: str) -> None:
        super().__init__(f"{italian} / {english}")
        self.italian = italian
        self.english = english


class NotEnoughDataError(ImpactError):
    """Too few complete pairs, respondents or items for the statistic."""


class MismatchedLengthsError(ImpactError):
    """Paired series, or the rows of an item table, differ in length."""


class UndefinedStatisticError(ImpactError):
    """The statistic is undefined for these data, for example because a variance is zero."""


class InvalidValueError(ImpactError):
    """A value or a parameter is outside what the statistic accepts."""


class StatisticsError(AnalysisError):
    """A problem with the data or settings of territorial statistics, told in Italian then English."""

    def __init__(self, italian: str, english: str) -> None:
        super().__init__(f"{italian} / {english}")
        self.italian = italian
        self.english = english


class TableDefinitionError(StatisticsError):
    """Dimensions, labels or counts that do not make a table: duplicate labels, unknown keys, bad counts."""


class RecordError(StatisticsError):
    """A record that cannot be classified or measured: a date, an age or a number that is not one."""


class DisclosureSettingsError(StatisticsError):
    """A threshold, a protection width or a population that disclosure control cannot work with."""


class IndicatorDefinitionError(StatisticsError):
    """An indicator that cannot be computed as defined, for example a `per` with no denominator."""
