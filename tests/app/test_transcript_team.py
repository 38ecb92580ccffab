"""Team work on a study: blind double coding and its release, agreement, disagreements and reconciling."""

import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Coding, CodingProject
from tests.app.transcripts_support import IMPORTED, add_coding
from tests.conftest import login, post_form

# The fixture's transcript has three turns: the moderator's question, P01 and P02.
TURNS = [(turn.start, turn.end) for turn in IMPORTED.turns]


def _code_turn(app, workbench, coder: str, code: str, turn: int) -> int:
    start, end = TURNS[turn]
    with app.app_context():
        return add_coding(workbench, coder, code, start, end)


def _double_coded(app, workbench) -> None:
    """anna: Criticità on P01, Risorse on P02; bruno: Criticità on P01 and P02."""
    _code_turn(app, workbench, "anna", "Criticità", 1)
    _code_turn(app, workbench, "anna", "Risorse", 2)
    _code_turn(app, workbench, "bruno", "Criticità", 1)
    _code_turn(app, workbench, "bruno", "Criticità", 2)


def _set_blind(app, workbench, *, released: bool = False) -> None:
    with app.app_context():
        study = db.session.get(CodingProject, workbench.study_id)
        study.blind = True
        study.released_at = db.func.now() if released else None
        db.session.commit()


def _row(html: str, code_id: int) -> str:
    match = re.search(rf'<tr[^>]*data-code="{code_id}".*?</tr>', html, re.S)
    assert match, f"no row for code {code_id}"
    return match.group(0)


def _cell(row: str, kind: str) -> str:
    match = re.search(rf'<td class="{kind}">([^<]*)', row)
    assert match
    return match.group(1).strip()


def _audited(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(AuditEvent.action == action))


def _agreement_url(workbench, unit: str = "turn") -> str:
    coders = "&".join(f"coders={workbench.users[n]}" for n in ("anna", "bruno"))
    return f"/transcripts/studies/{workbench.study_id}/agreement?unit={unit}&{coders}"


def test_agreement_per_code_on_turns_is_kappa_computed_by_hand(app, client, workbench):
    _double_coded(app, workbench)
    login(client, "anna@example.org")

    page = client.get(_agreement_url(workbench))

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    criticita = _row(html, workbench.codes["Criticità"])
    # anna [0,1,0], bruno [0,1,1]: po = 2/3, pe = 1/3*2/3 + 2/3*1/3 = 4/9, kappa = (2/9)/(5/9) = 0.4
    assert _cell(criticita, "percent") == "66,7%"
    assert _cell(criticita, "coefficient") == "0,400"
    # Risorse: anna [0,0,1], bruno never: po = 2/3, pe = 2/3, kappa = 0
    assert _cell(_row(html, workbench.codes["Risorse"]), "coefficient") == "0,000"
    # nobody used Bisogni formativi: kappa is undefined, and the code is flagged
    bisogni = _row(html, workbench.codes["Bisogni formativi"])
    assert _cell(bisogni, "coefficient") == "—"
    assert "table-warning" in bisogni
    assert re.search(r'id="unit-count">\s*\S.*?\b3\b', html, re.S)


def test_agreement_on_characters_uses_every_character_of_the_transcript(app, client, workbench):
    _double_coded(app, workbench)
    login(client, "anna@example.org")

    html = client.get(_agreement_url(workbench, "character")).get_data(as_text=True)

    assert f"{len(IMPORTED.text)} " in re.search(r'id="unit-count">(.*?)</p>', html, re.S).group(1)
    # Criticità: 62 characters both, 47 bruno alone, the rest (32 + 3 line ends...) neither
    row = _row(html, workbench.codes["Criticità"])
    n, both, bruno_only = len(IMPORTED.text), TURNS[1][1] - TURNS[1][0], TURNS[2][1] - TURNS[2][0]
    po = (n - bruno_only) / n
    pa, pb = both / n, (both + bruno_only) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    assert _cell(row, "coefficient") == f"{(po - pe) / (1 - pe):.3f}".replace(".", ",")


def test_three_coders_are_compared_with_krippendorffs_alpha(app, client, workbench):
    _double_coded(app, workbench)
    _code_turn(app, workbench, "lead", "Criticità", 1)
    login(client, "lead@example.org")
    coders = "&".join(f"coders={workbench.users[n]}" for n in ("anna", "bruno", "lead"))

    html = client.get(f"/transcripts/studies/{workbench.study_id}/agreement?unit=turn&{coders}").get_data(
        as_text=True
    )

    # Criticità on the three turns: anna [0,1,0], bruno [0,1,1], lead [0,1,0]
    # coincidences: o00 = 3 + 1, o11 = 3, o01 = o10 = 1; n = 9; Do = 2/9, De = 2*5*4/(9*8); alpha = 0.6
    assert "Krippendorff" in html
    assert _cell(_row(html, workbench.codes["Criticità"]), "coefficient") == "0,600"


def test_one_coder_alone_gets_a_message_instead_of_figures(app, client, workbench):
    _double_coded(app, workbench)
    login(client, "anna@example.org")

    page = client.get(f"/transcripts/studies/{workbench.study_id}/agreement?coders={workbench.users['anna']}")

    assert page.status_code == 200
    assert 'id="agreement-table"' not in page.get_data(as_text=True)


def test_before_release_a_blind_study_shows_only_how_many_codings_each_coder_made(app, client, workbench):
    _double_coded(app, workbench)
    _set_blind(app, workbench)
    login(client, "lead@example.org")  # leads are blind too

    agreement = client.get(_agreement_url(workbench)).get_data(as_text=True)
    disagreements = client.get(
        f"/transcripts/studies/{workbench.study_id}/disagreements?code_id={workbench.codes['Criticità']}"
    ).get_data(as_text=True)

    for html in (agreement, disagreements):
        assert 'id="blind-message"' in html
        assert 'id="agreement-table"' not in html and 'id="disagreements"' not in html
        assert "servizio" not in html  # no text of the transcript
        assert re.search(r"anna</th><td>2</td>", html) and re.search(r"bruno</th><td>2</td>", html)


def test_a_lead_releases_blind_codings_and_the_release_is_audited(app, client, workbench):
    _double_coded(app, workbench)
    _set_blind(app, workbench)
    login(client, "lead@example.org")

    response = post_form(client, f"/transcripts/studies/{workbench.study_id}/release")

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(CodingProject, workbench.study_id).released_at is not None
    assert _audited(app, "study.release") == 1
    assert 'id="agreement-table"' in client.get(_agreement_url(workbench)).get_data(as_text=True)


def test_a_lead_starts_a_blind_round_which_hides_codings_again(app, client, workbench):
    _set_blind(app, workbench, released=True)
    login(client, "lead@example.org")

    post_form(client, f"/transcripts/studies/{workbench.study_id}/blind", {"blind": "1"})

    with app.app_context():
        study = db.session.get(CodingProject, workbench.study_id)
        assert study.blind and study.released_at is None
    assert _audited(app, "study.blind") == 1


def test_a_lead_switches_blind_coding_off(app, client, workbench):
    _set_blind(app, workbench)
    login(client, "lead@example.org")

    post_form(client, f"/transcripts/studies/{workbench.study_id}/blind", {"blind": "0"})

    with app.app_context():
        assert not db.session.get(CodingProject, workbench.study_id).blind


def test_coders_cannot_release_or_switch_blind_coding_and_outsiders_do_not_see_the_study(
    app, client, workbench
):
    _set_blind(app, workbench)
    study = workbench.study_id

    login(client, "anna@example.org")
    coder = [
        post_form(client, f"/transcripts/studies/{study}/release").status_code,
        post_form(client, f"/transcripts/studies/{study}/blind", {"blind": "0"}).status_code,
    ]
    post_form(client, "/logout")
    login(client, "fuori@example.org")
    outsider = [
        client.get(f"/transcripts/studies/{study}/agreement").status_code,
        client.get(
            f"/transcripts/studies/{study}/disagreements?code_id={workbench.codes['Risorse']}"
        ).status_code,
        post_form(client, f"/transcripts/studies/{study}/release").status_code,
    ]

    assert coder == [403, 403]
    assert outsider == [404, 404, 404]
    with app.app_context():
        assert db.session.get(CodingProject, study).released_at is None


def _disagreements_url(workbench, code: str, unit: str = "turn") -> str:
    coders = "&".join(f"coders={workbench.users[n]}" for n in ("anna", "bruno"))
    return (
        f"/transcripts/studies/{workbench.study_id}/disagreements"
        f"?code_id={workbench.codes[code]}&unit={unit}&{coders}"
    )


def test_the_disagreement_view_shows_where_coders_differ_with_text_and_coders(app, client, workbench):
    _double_coded(app, workbench)
    login(client, "anna@example.org")

    page = client.get(_disagreements_url(workbench, "Criticità"))

    html = page.get_data(as_text=True)
    items = re.findall(r'<li class="card mb-3 disagreement">.*?</li>\s*(?=<li class="card|</ol>)', html, re.S)
    assert len(items) == 1  # P01's turn both coded; only P02's differs
    assert "Servono più operatori" in items[0] and "P02" in items[0]
    assert "bruno" in items[0]
    assert "Accept this coding" not in html  # coders see, leads reconcile
    assert _audited(app, "transcript.disagreements_view") == 1


def test_disagreements_at_character_level_show_the_words_with_context(app, client, workbench):
    start, end = IMPORTED.text.index("le famiglie arrivano"), IMPORTED.text.index(" 😕")
    with app.app_context():
        add_coding(workbench, "anna", "Criticità", start, end)
        add_coding(workbench, "bruno", "Criticità", start + len("le famiglie "), end)
    login(client, "anna@example.org")

    html = client.get(_disagreements_url(workbench, "Criticità", "character")).get_data(as_text=True)

    assert re.search(r"<mark[^>]*>le famiglie </mark>", html)
    assert "tre giorni; " in html  # context before


def test_a_lead_accepts_a_coders_coding_as_the_reconciled_one(app, client, workbench):
    _double_coded(app, workbench)
    with app.app_context():
        bruno_p02 = db.session.scalar(
            select(Coding.id).where(Coding.coder_id == workbench.users["bruno"], Coding.start == TURNS[2][0])
        )
    login(client, "lead@example.org")
    url = _disagreements_url(workbench, "Criticità")

    response = post_form(
        client,
        f"/transcripts/studies/{workbench.study_id}/reconcile",
        {
            "action": "accept",
            "coding_id": bruno_p02,
            "code_id": workbench.codes["Criticità"],
            "unit": "turn",
            "coders": [workbench.users["anna"], workbench.users["bruno"]],
        },
    )

    location = urlsplit(response.headers["Location"])
    assert response.status_code == 302 and location.path == urlsplit(url).path
    assert parse_qs(location.query) == parse_qs(urlsplit(url).query)  # back to the same disagreements
    with app.app_context():
        mine = db.session.scalars(select(Coding).where(Coding.coder_id == workbench.users["lead"])).all()
        assert [(c.code_id, c.start, c.end, c.origin) for c in mine] == [
            (workbench.codes["Criticità"], *TURNS[2], "manual")
        ]
        assert db.session.get(Coding, bruno_p02) is not None  # bruno's own coding stays
    assert _audited(app, "coding.reconcile") == 1
    assert "riconciliat" in client.get(url).get_data(as_text=True)  # the "reconciled" badge, in Italian


def test_a_lead_removes_a_coding_from_the_disagreement_view(app, client, workbench):
    _double_coded(app, workbench)
    with app.app_context():
        bruno_p02 = db.session.scalar(
            select(Coding.id).where(Coding.coder_id == workbench.users["bruno"], Coding.start == TURNS[2][0])
        )
    login(client, "lead@example.org")

    post_form(
        client,
        f"/transcripts/studies/{workbench.study_id}/reconcile",
        {"action": "remove", "coding_id": bruno_p02, "code_id": workbench.codes["Criticità"]},
    )

    with app.app_context():
        assert db.session.get(Coding, bruno_p02) is None
    assert _audited(app, "coding.remove") == 1


def test_coders_cannot_reconcile_and_nothing_is_reconciled_while_blind(app, client, workbench):
    _double_coded(app, workbench)
    with app.app_context():
        bruno_p02 = db.session.scalar(select(Coding.id).where(Coding.coder_id == workbench.users["bruno"]))
    form = {"action": "accept", "coding_id": bruno_p02, "code_id": workbench.codes["Criticità"]}
    url = f"/transcripts/studies/{workbench.study_id}/reconcile"

    login(client, "anna@example.org")
    coder = post_form(client, url, form).status_code
    post_form(client, "/logout")
    login(client, "fuori@example.org")
    outsider = post_form(client, url, form).status_code
    post_form(client, "/logout")
    _set_blind(app, workbench)
    login(client, "lead@example.org")
    blind = post_form(client, url, form).status_code

    assert (coder, outsider, blind) == (403, 404, 302)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Coding)) == 4
