"""Italian versions of pyxform's English messages, and the patterns that recognise them."""

import re
from collections.abc import Mapping
from dataclasses import dataclass

ITALIAN_LEAD = "Il modulo XLSForm non è valido: "


@dataclass(frozen=True)
class PyxformMessage:
    """One of pyxform's English messages, recognised by a regex, with its Italian template."""

    code: str
    pattern: re.Pattern[str]
    italian: str
    column: str | None = None
    sheet: str | None = None


def _msg(
    code: str, pattern: str, italian: str, column: str | None = None, sheet: str | None = None
) -> PyxformMessage:
    return PyxformMessage(code, re.compile(pattern, re.DOTALL), italian, column, sheet)


_INVALID = r"On the '(?P<sheet>[^']*)' sheet, the '(?P<column>[^']*)' value is invalid\. "
_NAME_INVALID = r"On the '(?P<sheet>[^']*)' sheet, the 'name' value '(?P<name>.*?)' is "
_NAME_RULES = (
    "i nomi devono iniziare con una lettera o un trattino basso (_) e contenere solo lettere, cifre, "
    "trattini, trattini bassi e punti."
)
_HEADERS = r"Invalid headers provided for sheet: '(?P<sheet>[^']*)'\. "

# Most specific first: the first pattern that matches the start of the message wins.
PYXFORM: tuple[PyxformMessage, ...] = (
    _msg(
        "unknown_type",
        r"Unknown question type '(?P<type>.*?)'\.",
        "Tipo di domanda sconosciuto: '{type}'. Nella colonna 'type' usa un tipo XLSForm valido "
        "(per esempio text, integer, select_one nome_lista).",
        "type",
        "survey",
    ),
    _msg(
        "missing_label",
        r"The survey element named '(?P<name>.*?)' has no label or hint\.",
        "L'elemento '{name}' non ha né un'etichetta (label) né un suggerimento (hint): compila "
        "almeno uno dei due.",
        "label",
        "survey",
    ),
    _msg(
        "missing_name",
        r"Question or group with no name\.",
        "Domanda o gruppo senza nome: compila la colonna 'name'.",
        "name",
    ),
    _msg("missing_type", r"Question with no type\.", "Riga senza tipo: compila la colonna 'type'.", "type"),
    _msg(
        "duplicate_name",
        _NAME_INVALID + r"invalid\. Questions, groups, and repeats must be unique",
        "Nel foglio '{sheet}' il nome '{name}' è ripetuto: domande, gruppi e ripetizioni devono avere nomi "
        "diversi all'interno dello stesso gruppo o ripetizione.",
    ),
    _msg(
        "duplicate_name_case",
        _NAME_INVALID + r"problematic\. The name is a case-insensitive match",
        "Nel foglio '{sheet}' il nome '{name}' differisce da un altro solo per maiuscole o minuscole: alcuni "
        "strumenti di analisi non li distinguono.",
    ),
    _msg(
        "repeat_name_is_root",
        _NAME_INVALID + r"invalid\. Repeat names must not be the same as the survey root",
        "Nel foglio '{sheet}' il nome di ripetizione '{name}' coincide con la radice del modulo "
        "(di solito 'data').",
    ),
    _msg(
        "duplicate_repeat_name",
        _NAME_INVALID + r"invalid\. Repeat names must unique anywhere",
        "Nel foglio '{sheet}' il nome di ripetizione '{name}' è già usato: i nomi delle ripetizioni devono "
        "essere unici in tutto il modulo.",
    ),
    _msg(
        "reserved_name",
        _NAME_INVALID + r"invalid\. The name 'meta' is reserved",
        "Nel foglio '{sheet}' il nome 'meta' non è ammesso: è riservato ai metadati del modulo.",
    ),
    _msg(
        "invalid_name",
        _INVALID + r"Names must begin with a letter or underscore",
        "Nel foglio '{sheet}' il valore della colonna '{column}' non è un nome valido: " + _NAME_RULES,
    ),
    _msg(
        "invalid_form_name",
        r"The '(?P<name>[^']*)' value is invalid\. Names must begin",
        "Il valore '{name}' non è un nome valido: " + _NAME_RULES,
        sheet="settings",
    ),
    _msg(
        "reference_syntax",
        _INVALID + r"Reference variables must start with '\$\{', then a question name, and end with '\}'\.",
        "Nel foglio '{sheet}' il valore della colonna '{column}' non è valido: un riferimento a "
        "una domanda si "
        "scrive ${{nome}}, cioè '${{' seguito dal nome della domanda e da '}}'.",
    ),
    _msg(
        "reference_list",
        _INVALID + r"Reference variable lists must have a comma",
        "Nel foglio '{sheet}' il valore della colonna '{column}' non è valido: separa i "
        "riferimenti con una virgola.",
    ),
    _msg(
        "unknown_reference",
        _INVALID + r"Reference variables must contain a name .*?Could not find the name '(?P<name>.*?)'\.",
        "Nel foglio '{sheet}' il valore della colonna '{column}' non è valido: il riferimento "
        "${{{name}}} non "
        "corrisponde a nessun nome del foglio 'survey'.",
    ),
    _msg(
        "ambiguous_reference",
        _INVALID
        + r"Reference variables names must be unique .*?The name '(?P<name>.*?)' appears more than once\.",
        "Nel foglio '{sheet}' il valore della colonna '{column}' non è valido: il riferimento ${{{name}}} è "
        "ambiguo perché il nome '{name}' compare più volte nel foglio 'survey'.",
    ),
    _msg(
        "choice_missing_name",
        r"On the 'choices' sheet, the 'name' value is invalid\. Choices must have a name\.",
        "Nel foglio 'choices' una scelta non ha il nome (colonna 'name').",
        "name",
        "choices",
    ),
    _msg(
        "duplicate_choice",
        r"On the 'choices' sheet, the 'name' value is invalid\. Choice names must be unique",
        "Nel foglio 'choices' un nome di scelta è ripetuto nella stessa lista: i nomi delle scelte "
        "devono essere "
        "unici in ogni lista (oppure usa l'impostazione allow_choice_duplicates).",
        "name",
        "choices",
    ),
    _msg(
        "choice_missing_label",
        r"On the 'choices' sheet, the 'label' value is invalid\. Choices should have a label\.",
        "Nel foglio 'choices' una scelta non ha l'etichetta (colonna 'label').",
        "label",
        "choices",
    ),
    _msg(
        "invalid_choices_header",
        r"On the 'choices' sheet, the '(?P<column>[^']*)' value is invalid\. Column headers must "
        r"not be empty",
        "Nel foglio 'choices' l'intestazione di colonna '{column}' non è valida: le intestazioni non possono "
        "essere vuote né contenere spazi.",
        sheet="choices",
    ),
    _msg(
        "invalid_value",
        _INVALID + r"(?P<detail>.*)",
        "Nel foglio '{sheet}' il valore della colonna '{column}' non è valido. Dettagli (in "
        "inglese): {detail}",
    ),
    _msg(
        "missing_choices_sheet",
        r"There should be a choices sheet in this xlsform\.",
        "Manca il foglio 'choices': aggiungilo con le colonne obbligatorie 'list_name', 'name' e 'label'.",
        sheet="choices",
    ),
    _msg(
        "missing_external_choices_sheet",
        r"There should be an external_choices sheet in this xlsform\.",
        "Manca il foglio 'external_choices': aggiungilo con le colonne 'list_name' e 'name'.",
        sheet="external_choices",
    ),
    _msg(
        "unknown_list",
        r"List name not in choices sheet: (?P<list_name>.*)",
        "La lista '{list_name}' non esiste nel foglio 'choices': controlla il nome dopo select_one o "
        "select_multiple nella colonna 'type'.",
        "type",
    ),
    _msg(
        "unknown_external_list",
        r"List name not in external choices sheet: (?P<list_name>.*)",
        "La lista '{list_name}' non esiste nel foglio 'external_choices'.",
        "type",
    ),
    _msg(
        "unmatched_begin",
        r"Unmatched 'begin_(?P<kind>\w+)'\. No matching 'end_\w+' was found for the name '(?P<name>.*?)'\.",
        "'begin_{kind}' senza il corrispondente 'end_{kind}' per il nome '{name}': chiudi ogni gruppo o "
        "ripetizione che apri.",
        "type",
    ),
    _msg(
        "unmatched_end",
        r"Unmatched 'end_(?P<kind>\w+)'\. No matching 'begin_\w+' was found for the name '(?P<name>.*?)'\.",
        "'end_{kind}' senza il corrispondente 'begin_{kind}' per il nome '{name}'.",
        "type",
    ),
    _msg(
        "missing_calculation",
        r"Missing calculation\.",
        "Calcolo mancante: una domanda di tipo calculate deve avere un'espressione nella colonna "
        "'calculation'.",
        "calculation",
    ),
    _msg(
        "duplicate_header",
        r"Duplicate column header: (?P<column>.*)",
        "Intestazione di colonna ripetuta: '{column}'. Ogni colonna deve avere un'intestazione diversa.",
    ),
    _msg(
        "header_alias_conflict",
        _HEADERS + r"Headers that are different names for the same column were found: "
        r"'(?P<first>[^']*)', '(?P<second>[^']*)'\.",
        "Nel foglio '{sheet}' le intestazioni '{first}' e '{second}' indicano la stessa colonna: rinomina o "
        "elimina una delle due.",
    ),
    _msg(
        "missing_header",
        _HEADERS + r"One or more required column headers were not found: (?P<missing>.*?)\. Learn more",
        "Nel foglio '{sheet}' mancano intestazioni di colonna obbligatorie: {missing}.",
    ),
    _msg(
        "missing_header_row",
        _HEADERS + r"For XLSForms, this may be due a missing header row",
        "Nel foglio '{sheet}' le intestazioni non sono valide: probabilmente manca la riga di intestazione "
        "(type, name, label…).",
    ),
    _msg(
        "missing_survey_sheet",
        r"You must have a sheet named 'survey'\.",
        "Manca il foglio 'survey', obbligatorio in ogni XLSForm.",
        sheet="survey",
    ),
    _msg(
        "include_not_supported",
        r"This section has not been included\.",
        "Questa sezione non è stata inclusa: il modulo usa il tipo 'include' (un modulo composto "
        "da più file), "
        "che non è supportato. Inserisci le domande direttamente nel foglio 'survey'.",
    ),
    _msg(
        "choice_name_with_space",
        r"Choice names with spaces cannot be added to multiple choice selects\. "
        r"See \[(?P<name>.*?)\] in \[(?P<list_name>.*?)\]",
        "La scelta '{name}' della lista '{list_name}' contiene spazi: le liste usate da select_multiple non "
        "possono avere nomi di scelta con spazi.",
        sheet="choices",
    ),
    _msg(
        "ambiguous_date",
        r"The xls file provided has an invalid date on the (?P<sheet>.*?) sheet, under the "
        r"(?P<column>.*?) column",
        "Nel foglio '{sheet}', colonna '{column}', c'è una data che Excel memorizza in modo "
        "ambiguo: scrivila come "
        "testo (per esempio anteponendo un apostrofo).",
    ),
    _msg(
        "big_image_without_image",
        r"To use big-image, you must also specify an image for the survey element named (?P<name>.*?)\.",
        "Per usare big-image indica anche un'immagine (colonna image) per l'elemento '{name}'.",
        "big-image",
        "survey",
    ),
    _msg(
        "no_such_element",
        r"There is no survey element named '(?P<name>.*?)'\.",
        "Non esiste nessun elemento chiamato '{name}'.",
    ),
    _msg(
        "unrecognised_file",
        r"Argument 'definition' was not recognized as a supported type\.",
        "Il file non è stato riconosciuto come XLSForm: controlla che contenga almeno il foglio 'survey'.",
    ),
    _msg(
        "read_error",
        r"Error reading \.(?P<file_type>\w+) file: (?P<detail>.*)",
        "Impossibile leggere il file .{file_type}: {detail}",
    ),
    _msg(
        "not_xlsform",
        r"The input data does not appear to be a valid XLSForm\.",
        "Il contenuto non sembra un XLSForm.",
    ),
    # Warnings (pyxform's non-blocking messages).
    _msg("group_without_label", r"Group has no label:", "Il gruppo non ha un'etichetta (label).", "label"),
    _msg(
        "repeat_without_label",
        r"Repeat has no label:",
        "La ripetizione non ha un'etichetta (label).",
        "label",
    ),
    _msg(
        "row_skipped",
        r"Row without name, text, or label is being skipped",
        "Riga senza nome, testo o etichetta: viene ignorata.",
    ),
    _msg(
        "missing_translation",
        r"Language '(?P<language>.*?)' is missing the (?P<sheet>\w+) (?:(?P<one>\S+) "
        r"column|columns (?P<many>.*))\.",
        "Nella lingua '{language}' del foglio '{sheet}' manca la traduzione per: {columns}.",
    ),
    _msg(
        "language_without_code",
        r"The following language declarations do not contain valid machine-readable codes: "
        r"(?P<languages>.*?)\. ",
        "Queste lingue non hanno un codice standard tra parentesi (per esempio 'Italiano (it)'): "
        "{languages}.",
    ),
    _msg(
        "use_max_pixels",
        r"Use the max-pixels parameter",
        "Usa il parametro max-pixels per ridurre le dimensioni delle immagini inviate e lo spazio occupato.",
        "parameters",
    ),
    _msg(
        "deprecated_device_field",
        r"(?P<type>\w+) is no longer supported on most devices\.",
        "Il tipo '{type}' non è più supportato dalla maggior parte dei dispositivi (solo vecchie versioni di "
        "ODK Collect su Android precedente alla 11).",
        "type",
    ),
    _msg(
        "similar_sheet_name",
        r"When looking for a sheet named '(?P<sheet>[^']*)', the following sheets with similar names were "
        r"found: (?P<candidates>.*?)\.",
        "Cercando il foglio '{sheet}' sono stati trovati fogli con nomi simili: {candidates}. Se non vuoi "
        "usarli, anteponi un trattino basso al loro nome (per esempio '_setting').",
    ),
    _msg(
        "or_other_with_translations",
        r"This form uses or_other and translations",
        "Il modulo usa or_other insieme alle traduzioni: l'opzione 'altro' e la sua domanda vengono generate "
        "senza traduzione.",
    ),
    _msg(
        "external_select_unfiltered",
        r"select one external is only meant for filtered selects",
        "select_one_external serve solo per liste filtrate (con choice_filter).",
        "type",
    ),
    _msg(
        "disabled_column",
        r"The 'disabled' column header is not part of the current spec",
        "La colonna 'disabled' non fa più parte dello standard XLSForm: usa 'relevant'.",
        "disabled",
    ),
    _msg(
        "form_id_and_id_string",
        r"The form_id and id_string column headers are both specified",
        "Nel foglio 'settings' ci sono sia 'form_id' sia 'id_string': usane uno solo.",
        sheet="settings",
    ),
)


def italian(code: str, values: Mapping[str, object], message_en: str) -> str:
    """The Italian text of a pyxform problem, or its English text behind an Italian lead if we have none."""
    template = _ITALIAN.get(code)
    if template is None:
        return ITALIAN_LEAD + message_en
    where = f"[riga {values['row']}] " if values.get("row") is not None else ""
    return where + template.format_map(values)


_ITALIAN = {message.code: message.italian for message in PYXFORM}


def match_pyxform(body: str) -> tuple[PyxformMessage, dict[str, str]] | None:
    """The catalogue entry whose pattern matches the start of a pyxform message, with its captured values."""
    for message in PYXFORM:
        found = message.pattern.match(body)
        if found:
            params = {key: value for key, value in found.groupdict().items() if value is not None}
            if message.code == "missing_translation":
                params["columns"] = params.pop("one", None) or params.pop("many", "")
            return message, params
    return None
