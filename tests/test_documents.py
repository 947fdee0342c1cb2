"""Per-document fact tests: what each source document must yield, in its own named graph."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import Sparql

DOC0 = "000_465a521d4ac3798f"
DOC1 = "001_a3f3df6d3b25658d"
DOC2 = "002_c50662480cc5ac51"
DOC3 = "003_ba60645de3d84279"


def quantities(sparql: Sparql, doc: str, event: str) -> set[tuple]:
    """(measure, item kind, value, lower, upper, qualifier) of an event, in one source's graph."""
    rows = sparql.rows(f"""
        SELECT ?measure ?item ?value ?lower ?upper ?qualifier WHERE {{
          GRAPH graph:{doc} {{
            event:{event} kg:quantity ?q .
            ?q kg:measure ?m ; kg:qualifier ?ql .
            OPTIONAL {{ ?q kg:itemKind ?i }}
            OPTIONAL {{ ?q kg:value ?value }} OPTIONAL {{ ?q kg:lowerBound ?lower }}
            OPTIONAL {{ ?q kg:upperBound ?upper }}
          }}
          BIND(STRAFTER(STR(?m), "/measure/") AS ?measure)
          BIND(STRAFTER(STR(?i), "/item/") AS ?item)
          BIND(STRAFTER(STR(?ql), "/qualifier/") AS ?qualifier)
        }}""")

    def num(text: str | None) -> Decimal | None:
        return None if text is None else Decimal(text)

    return {
        (
            r["measure"],
            r.get("item"),
            num(r.get("value")),
            num(r.get("lower")),
            num(r.get("upper")),
            r["qualifier"],
        )
        for r in rows
    }


def types_in(sparql: Sparql, doc: str, node: str) -> set[str]:
    rows = sparql.rows(f"SELECT ?t WHERE {{ GRAPH graph:{doc} {{ {node} a ?t }} }}")
    return {r["t"].rsplit("#", 1)[-1] for r in rows}


def modality(sparql: Sparql, event: str) -> set[str]:
    rows = sparql.rows(f"SELECT ?m WHERE {{ event:{event} kg:modality ?m }}")
    return {r["m"].rsplit("/", 1)[-1] for r in rows}


def has_position(sparql: Sparql, doc: str, person: str, org: str, role: str) -> bool:
    return sparql.ask(f"""ASK {{ GRAPH graph:{doc} {{
        ?m a kg:Membership ; kg:member person:{person} ; kg:organisation organisation:{org} ;
           kg:role role:{role} ; kg:evidence ?e }} }}""")


def alt_labels(sparql: Sparql, doc: str, node: str) -> set[str]:
    rows = sparql.rows(f"SELECT ?l WHERE {{ GRAPH graph:{doc} {{ {node} skos:altLabel ?l }} }}")
    return {r["l"] for r in rows}


# --- 000: Serbian and Hungarian police agree to cooperate (English, undated) ----------------


def test_doc0_shooting_at_least_three_killed_on_27_october_without_year(sparql: Sparql) -> None:
    assert ("killed", None, None, Decimal(3), None, "at-least") in quantities(
        sparql, DOC0, "2023-10-27-horgos-shooting"
    )
    rows = sparql.rows(f"""SELECT ?year ?month ?day WHERE {{ GRAPH graph:{DOC0} {{
        event:2023-10-27-horgos-shooting kg:date ?d . ?d time:month ?month ; time:day ?day .
        OPTIONAL {{ ?d time:year ?year }} }} }}""")
    assert rows == [{"month": "--10", "day": "---27"}]  # no year: the text gives none


def test_doc0_ministers_positions_and_reska_meeting(sparql: Sparql) -> None:
    assert has_position(
        sparql, DOC0, "bratislav-gasic", "serbian-interior-ministry", "interior-minister"
    )
    assert has_position(
        sparql, DOC0, "sandor-pinter", "hungarian-interior-ministry", "interior-minister"
    )
    assert has_position(
        sparql, DOC0, "aleksandar-vucic", "office-of-the-serbian-president", "president"
    )
    assert sparql.ask(f"""ASK {{ GRAPH graph:{DOC0} {{
        event:2023-gasic-pinter-reska-meeting a kg:Meeting ; kg:place place:reska-border-crossing ;
            kg:participant person:bratislav-gasic , person:sandor-pinter }} }}""")


def test_doc0_proposed_working_group_and_threatened_army_are_not_actual(sparql: Sparql) -> None:
    assert modality(sparql, "2023-serbia-hungary-joint-working-group-proposal") == {"proposed"}
    assert modality(sparql, "2023-vucic-threatened-military-deployment") == {"threatened"}
    assert modality(sparql, "2023-serbia-hungary-joint-police-operations") == {"planned"}
    assert modality(sparql, "2023-gasic-pinter-reska-meeting") == {"actual"}


def test_doc0_vucic_told_tv_pink(sparql: Sparql) -> None:
    rows = sparql.rows(f"""SELECT ?quote WHERE {{ GRAPH graph:{DOC0} {{
        ?s a kg:Statement ; kg:speaker person:aleksandar-vucic ; kg:outlet organisation:tv-pink ;
           kg:quotation ?quote }} }}""")
    assert len(rows) == 1
    assert "I’ll bring in the army" in rows[0]["quote"]


def test_doc0_operation_lasted_more_than_five_days_with_special_units(sparql: Sparql) -> None:
    operation = "2023-serbian-police-investigative-operation-near-hungarian-border"
    assert ("duration", None, None, Decimal(5), None, "more-than") in quantities(
        sparql, DOC0, operation
    )
    assert sparql.ask(f"""ASK {{ GRAPH graph:{DOC0} {{
        event:{operation} kg:participant
            organisation:special-anti-terrorist-unit , organisation:gendarmerie }} }}""")


def test_doc0_two_ethnic_albanians_among_several_arrested(sparql: Sparql) -> None:
    found = quantities(sparql, DOC0, "2023-investigative-operation-arrests")
    assert ("arrested", None, None, None, None, "several") in found
    assert ("group-size", None, Decimal(2), None, None, "exact") in found


# --- 001: detentions of thousands of migrants (English, 2023-11-09) -------------------------


def test_doc1_published_2023_11_09_citing_reuters(sparql: Sparql) -> None:
    assert sparql.ask(f"""ASK {{ source:{DOC1} schema:datePublished "2023-11-09"^^xsd:date ;
        prov:hadPrimarySource organisation:reuters ; schema:inLanguage "en" }}""")


def test_doc1_around_4500_detained_27_october_to_8_november(sparql: Sparql) -> None:
    found = quantities(sparql, DOC1, "2023-serbia-migrant-detentions")
    assert ("detained", None, Decimal(4500), None, None, "approximately") in found
    assert ("detained", None, None, None, None, "thousands") in found
    assert sparql.ask(f"""ASK {{ GRAPH graph:{DOC1} {{ event:2023-serbia-migrant-detentions
        kg:startDate/kg:earliest "2023-10-27"^^xsd:date ;
        kg:endDate/kg:latest "2023-11-08"^^xsd:date ;
        kg:place place:subotica , place:sombor , place:kikinda ;
        kg:attributedTo organisation:serbian-interior-ministry }} }}""")


def test_doc1_searches_and_seizures(sparql: Sparql) -> None:
    assert quantities(sparql, DOC1, "2023-serbia-operation-searches") == {
        ("searched", "car", None, Decimal(81000), None, "more-than"),
        ("searched", "home", None, Decimal(300), None, "more-than"),
    }
    assert quantities(sparql, DOC1, "2023-serbia-operation-seizures") == {
        ("seized", "assault-rifle", Decimal(5), None, None, "exact"),
        ("seized", "pistol", Decimal(5), None, None, "exact"),
        ("seized", "ammunition-round", None, Decimal(1500), None, "more-than"),
        ("seized", "passport", None, None, None, "hundreds"),
    }


def test_doc1_eight_smugglers_and_119_others_arrested(sparql: Sparql) -> None:
    values = {q[2] for q in quantities(sparql, DOC1, "2023-serbia-operation-arrests")}
    assert values == {Decimal(8), Decimal(119)}


def test_doc1_lukovic_found_305_passports_215_turkish(sparql: Sparql) -> None:
    found = quantities(sparql, DOC1, "2023-serbia-items-found-by-police")
    assert ("found", "passport", Decimal(305), None, None, "exact") in found
    assert ("found", "passport", Decimal(215), None, None, "exact") in found
    assert ("found", "radio", Decimal(4), None, None, "exact") in found
    assert has_position(
        sparql, DOC1, "dejan-lukovic", "serbian-police", "deputy-police-director-general"
    )
    assert has_position(
        sparql, DOC1, "rados-jurovic", "center-for-protection-of-asylum-seekers", "director"
    )


def test_doc1_shooting_in_late_october_three_dead(sparql: Sparql) -> None:
    assert ("killed", None, Decimal(3), None, None, "exact") in quantities(
        sparql, DOC1, "2023-10-27-horgos-shooting"
    )
    assert sparql.ask(f"""ASK {{ GRAPH graph:{DOC1} {{ event:2023-10-27-horgos-shooting kg:date ?d .
        ?d kg:partOfMonth part:late ; time:unitType time:unitMonth ;
           time:year "2023"^^xsd:gYear }} }}""")


def test_doc1_ministry_statement_on_8_november(sparql: Sparql) -> None:
    assert sparql.ask(f"""ASK {{ GRAPH graph:{DOC1} {{
        event:2023-11-08-serbian-interior-ministry-statement kg:speaker
            organisation:serbian-interior-ministry ; schema:startDate "2023-11-08"^^xsd:date ;
            kg:quotation ?q . FILTER(STRSTARTS(?q, "The Ministry of the Interior will persevere"))
    }} }}""")


def test_doc1_visa_pledge_is_pledged(sparql: Sparql) -> None:
    assert modality(sparql, "serbia-visa-policy-alignment-pledge") == {"pledged"}


# --- 002: Swedish report (undated) --------------------------------------------------------


def test_doc2_is_swedish_and_names_places_its_own_way(sparql: Sparql) -> None:
    assert sparql.ask(f'ASK {{ source:{DOC2} schema:inLanguage "sv" }}')
    assert "Zombor" in alt_labels(sparql, DOC2, "place:sombor")
    assert "Nagykikinda" in alt_labels(sparql, DOC2, "place:kikinda")
    assert "Pristina" in alt_labels(sparql, DOC2, "place:pristina")


def test_doc2_nearly_5000_detained_and_nine_machine_guns(sparql: Sparql) -> None:
    assert ("detained", None, None, None, Decimal(5000), "nearly") in quantities(
        sparql, DOC2, "2023-serbia-migrant-detentions"
    )
    found = quantities(sparql, DOC2, "2023-serbia-operation-seizures")
    assert ("seized", "machine-gun", Decimal(9), None, None, "exact") in found
    assert ("seized", "pistol", Decimal(5), None, None, "exact") in found
    assert ("seized", "ammunition-round", None, Decimal(1600), None, "more-than") in found
    assert ("seized", "drugs", None, None, None, "some-amount") in found


def test_doc2_eight_arrested_190_prosecuted_several_dead(sparql: Sparql) -> None:
    found = quantities(sparql, DOC2, "2023-serbia-operation-arrests")
    assert ("arrested", None, Decimal(8), None, None, "exact") in found
    assert ("prosecuted", None, Decimal(190), None, None, "exact") in found
    assert ("killed", None, None, None, None, "several") in quantities(
        sparql, DOC2, "2023-10-27-horgos-shooting"
    )


def test_doc2_gasic_speech_on_thursday_relative_to_publication(sparql: Sparql) -> None:
    rows = sparql.rows(f"""SELECT ?quote ?dow WHERE {{ GRAPH graph:{DOC2} {{
        event:2023-bratislav-gasic-speech-to-the-nation a kg:Speech ;
            kg:speaker person:bratislav-gasic ; kg:quotation ?quote ; kg:date ?d .
        ?d time:dayOfWeek ?dow ; kg:relativeTo source:{DOC2} }} }}""")
    assert rows[0]["dow"].endswith("#Thursday")
    assert rows[0]["quote"].startswith("De är inte migranter")


def test_doc2_one_million_in_2015(sparql: Sparql) -> None:
    assert ("people-entered", None, Decimal(1000000), None, None, "approximately") in quantities(
        sparql, DOC2, "2015-western-balkan-route-migration-flow"
    )


# --- 003: OSCE Mission in Kosovo (English, after 2014-11-20) ---------------------------------


def test_doc3_thirteen_real_arrests_sixty_victims(sparql: Sparql) -> None:
    assert ("arrested", None, Decimal(13), None, None, "exact") in quantities(
        sparql, DOC3, "2013-kosovo-eu-smuggling-arrests"
    )
    assert ("victims-identified", None, Decimal(60), None, None, "exact") in quantities(
        sparql, DOC3, "2013-kosovo-eu-smuggling-victims-identified"
    )
    assert modality(sparql, "2013-kosovo-eu-smuggling-arrests") == {"actual"}


def test_doc3_exercise_phases_with_dates(sparql: Sparql) -> None:
    rows = sparql.rows(f"""SELECT ?phase ?start ?end WHERE {{ GRAPH graph:{DOC3} {{
        ?phase kg:partOf event:2014-osce-kosovo-migrant-smuggling-joint-exercise .
        {{ ?phase kg:date ?d }} UNION {{ ?phase kg:startDate ?d }}
        ?d kg:earliest ?start . OPTIONAL {{ ?phase kg:endDate/kg:latest ?end }} }} }}""")
    starts = {r["phase"].rsplit("/", 1)[-1]: (r["start"], r.get("end")) for r in rows}
    assert starts["2014-09-23-joint-exercise-phase"] == ("2014-09-23", "2014-09-26")
    assert starts["2014-11-20-joint-exercise-debriefing"] == ("2014-11-20", None)
    assert starts["2014-09-joint-exercise-design-meeting"] == ("2014-09-01", None)


def test_doc3_simulated_16_arrests(sparql: Sparql) -> None:
    assert ("arrested", None, Decimal(16), None, None, "exact") in quantities(
        sparql, DOC3, "2014-exercise-scenario-arrests"
    )
    assert modality(sparql, "2014-exercise-scenario-arrests") == {"simulated"}


def test_doc3_statistics_and_positions(sparql: Sparql) -> None:
    found = quantities(sparql, DOC3, "2013-western-balkans-migration-flow")
    assert ("border-crossing-detections", None, Decimal(40000), None, None, "exact") in found
    assert ("increase-percent", None, Decimal(27), None, None, "exact") in found
    assert ("share-percent", None, Decimal(43), None, None, "exact") in quantities(
        sparql, DOC3, "2013-05-serbia-hungary-border-migration-flow"
    )
    assert has_position(
        sparql, DOC3, "behar-balidemaj", "kosovo-police-organized-crime-sector", "head-of-unit"
    )
    assert has_position(
        sparql, DOC3, "vesna-vujovic-ristovska", "osce-mission-in-kosovo", "adviser"
    )
    assert {"Prishtinë", "Priština"} <= alt_labels(sparql, DOC3, "place:pristina")


# --- across documents -----------------------------------------------------------------------


def test_shooting_is_one_event_with_three_sources(sparql: Sparql) -> None:
    rows = sparql.rows("""SELECT DISTINCT ?src WHERE {
        event:2023-10-27-horgos-shooting prov:wasDerivedFrom ?src }""")
    assert {r["src"].rsplit("/", 1)[-1] for r in rows} == {DOC0, DOC1, DOC2}


def test_gasic_is_one_node_named_by_two_documents(sparql: Sparql) -> None:
    rows = sparql.rows("""SELECT DISTINCT ?g WHERE { GRAPH ?g {
        ?m kg:member person:bratislav-gasic } }""")
    assert {r["g"].rsplit("/", 1)[-1] for r in rows} == {DOC0, DOC2}


@pytest.mark.parametrize(
    ("event", "item", "figures"),
    [
        (
            "2023-serbia-migrant-detentions",
            None,
            {(DOC1, "4500", "approximately"), (DOC2, "5000", "nearly")},
        ),
        (
            "2023-serbia-operation-seizures",
            "automatic-firearm",
            {(DOC1, "5", "exact"), (DOC2, "9", "exact")},
        ),
    ],
    ids=["detained-4500-vs-5000", "assault-rifles-5-vs-machine-guns-9"],
)
def test_conflicting_figures_are_kept_side_by_side(
    sparql: Sparql, event: str, item: str | None, figures: set
) -> None:
    item_filter = f"?q kg:itemKind/skos:broader item:{item} ." if item else ""
    rows = sparql.rows(f"""SELECT ?src ?n ?ql WHERE {{
        event:{event} kg:quantity ?q . ?q prov:wasDerivedFrom ?src ; kg:qualifier ?ql .
        {item_filter}
        {{ ?q kg:value ?n }} UNION {{ ?q kg:upperBound ?n }} }}""")
    got = {(r["src"].rsplit("/", 1)[-1], r["n"], r["ql"].rsplit("/", 1)[-1]) for r in rows}
    assert got == figures
