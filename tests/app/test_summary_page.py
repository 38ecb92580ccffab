"""The per-question summary page: counts and statistics of the rows the reader may see, with charts."""

from defusedxml import ElementTree

from tests.app.test_exports_app import _own_instance_folder, setup  # noqa: F401 - fixtures shared with exports
from tests.conftest import login


def test_the_summary_counts_choices_and_numbers_of_the_readers_rows(client, setup):  # noqa: F811
    form_id, _tokens = setup
    login(client, "op.bari@example.org")

    page = client.get(f"/forms/{form_id}/summary").get_data(as_text=True)

    assert "2 invii che puoi leggere." in page
    assert "Visita domiciliare" in page and "<td>Sì</td><td>1</td><td>50.0</td>" in page
    assert "<td>7.00</td>" in page  # the mean of 2 and 12 children: Lecce's 1 is out of scope
    assert "=HYPERLINK" not in page  # free text is withheld


def test_the_summary_follows_the_tables_filter(client, setup):  # noqa: F811
    form_id, _tokens = setup
    login(client, "rita@example.org")

    page = client.get(f"/forms/{form_id}/summary?field=bambini&op=greater&value=5").get_data(as_text=True)

    assert "1 invio che puoi leggere." in page


def test_each_chart_is_an_svg_or_a_downloadable_png(client, setup):  # noqa: F811
    form_id, _tokens = setup
    login(client, "rita@example.org")

    svg = client.get(f"/forms/{form_id}/summary/chart/0.svg")
    png = client.get(f"/forms/{form_id}/summary/chart/3.png?download=1")
    missing = client.get(f"/forms/{form_id}/summary/chart/99.svg")

    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert ElementTree.fromstring(svg.data).tag.endswith("svg")
    assert png.data.startswith(b"\x89PNG") and "attachment" in png.headers["Content-Disposition"]
    assert missing.status_code == 404


def test_a_viewer_without_access_to_data_cannot_read_the_summary(client, setup, make_user):  # noqa: F811
    form_id, _tokens = setup
    make_user("vera@example.org", "viewer")
    login(client, "vera@example.org")

    assert client.get(f"/forms/{form_id}/summary").status_code == 403
