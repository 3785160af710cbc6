"""Issue 15, item 1: the attack that reversed a pseudonym without the key, reproduced.

An analyst who may import uploads 10,000 rows whose ids run through every serial of one birth
date, each with its serial in the notes, and then searches the Incidents page for what the
page shows of a real incident's citizen. When a page showed the stable pseudonym, and an id
shaped like a CPR number was stored as the pseudonym of that number, the search found the
attacker's row with the same pseudonym as its id, and its note gave back the CPR number.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard import queries, store
from dashboard.importer.pipeline import import_file
from dashboard.importer.pseudonym import Pseudonymiser
from dashboard.metrics import views
from dashboard.metrics.filters import ALL, Filters, query_params
from tests.importer.build import INCIDENT_HEADER, incident_row, make_xlsx

KEY = b"test-key-0123456789abcdef"
BIRTH_DATE = "240385"
VICTIM_SERIAL = "4321"  # the citizen of the real incident: CPR 240385-4321


def params(**extra: object) -> dict:
    base = {"limit": 100_000, "search": "", "incident_id": "", "extract_date": None}
    return query_params(Filters(), ALL, work_accident_days=9, **{**base, **extra})


@pytest.fixture(scope="module")
def attacked(tmp_path_factory: pytest.TempPathFactory):
    folder: Path = tmp_path_factory.mktemp("attack")
    con = store.connect(":memory:")
    pseudo = Pseudonymiser(KEY)
    real = make_xlsx(
        folder / "real.xlsx",
        {
            "Hændelser": [
                INCIDENT_HEADER,
                incident_row(1, **{"Borger-ID": f"{BIRTH_DATE}-{VICTIM_SERIAL}"}),
                # an id that is itself a CPR number
                incident_row(2, **{"Hændelses-ID": f"{BIRTH_DATE}{VICTIM_SERIAL}"}),
            ]
        },
    )
    probe_rows = [
        incident_row(
            0,
            **{
                "Hændelses-ID": f"{BIRTH_DATE}{serial:04d}",
                "Borger-ID": f"{BIRTH_DATE}{serial:04d}",
                "Bemærkninger": f"serie {serial:04d}",
                "Hændelsesdato": "01-01-2024",
            },
        )
        for serial in range(10_000)
        if f"{serial:04d}" != VICTIM_SERIAL
    ]
    probe = make_xlsx(folder / "probe.xlsx", {"Hændelser": [INCIDENT_HEADER, *probe_rows]})
    import_file(con, real, pseudonymiser=pseudo)
    import_file(con, probe, pseudonymiser=pseudo)
    yield con
    con.close()


def shown_texts(con, incident_id: str) -> list[str]:
    """Every value the Incidents page shows of one incident, in both languages."""
    incident = queries.run(con, "incident_detail", params(incident_id=incident_id)).row(
        0, named=True
    )
    texts = [str(v) for v in incident.values() if v is not None]
    for lang in ("da", "en"):
        facts = views.incident_facts(incident, lang)
        texts.extend(facts[facts.columns[1]].to_list())
    return texts


def test_searching_what_a_real_incident_shows_gives_back_no_serial(attacked) -> None:
    real_ids = ["H-1"]
    listed = queries.run(attacked, "incident_list", params())
    real_ids.extend(
        i for i, n in zip(listed["incident_id"], listed["notes"], strict=True) if n is None
    )
    assert len(real_ids) == 3  # H-1, the CPR-shaped id, and the probe rows are all there
    for incident_id in real_ids:
        for text in shown_texts(attacked, incident_id):
            if len(text) < 8:  # yes/no, dates and categories match every row anyway
                continue
            found = queries.run(attacked, "incident_list", params(search=text))
            notes = [n for n in found["notes"].to_list() if n]
            assert not any(VICTIM_SERIAL in n for n in notes), (incident_id, text, notes)
            # nothing shown is a pseudonym of the store
            assert not text.startswith("p_"), (incident_id, text)


def test_a_cpr_shaped_id_is_a_random_token_not_a_pseudonym_of_the_number(attacked) -> None:
    pseudonym = Pseudonymiser(KEY).pseudonym(BIRTH_DATE + VICTIM_SERIAL)
    ids = set(queries.run(attacked, "incident_list", params())["incident_id"].to_list())
    assert pseudonym not in ids
    assert not any(i.startswith("p_") for i in ids)
    # search never matches a pseudonym (the citizen's, nor the id's key)
    victim = Pseudonymiser(KEY).pseudonym(f"{BIRTH_DATE}-{VICTIM_SERIAL}")
    for text in (victim, pseudonym, "p_"):
        assert queries.run(attacked, "incident_list", params(search=text)).is_empty()
    # the store keeps the key to find the token again, and only there
    tokens = dict(store.fetch_all(attacked, "SELECT pseudonym, token FROM cpr_tokens"))
    assert tokens[pseudonym] in ids
