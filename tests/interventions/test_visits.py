from interventions.visits import UNKNOWN, Stop, district, plan_round, split_postcode


def test_the_postcode_is_found_at_the_end_of_an_address():
    assert split_postcode("12 Park Road\nWakefield\nwf1 2ab") == ("WF1", "2AB")
    assert split_postcode("Flat 3, 10 High St, SW1A 1AA") == ("SW1A", "1AA")
    assert split_postcode("No postcode here") is None


def test_an_address_without_a_postcode_is_in_its_own_group():
    assert district("Somewhere") == UNKNOWN


def test_districts_sort_by_area_then_number_and_unknown_last():
    stops = [
        Stop("c", "WF10 1AA", "c"),
        Stop("x", "", "No postcode"),
        Stop("a", "WF2 7QQ", "a"),
        Stop("b", "WF1 3BB", "b"),
        Stop("d", "LS6 1AA", "d"),
    ]
    assert [d.name for d in plan_round(stops)] == ["LS6", "WF1", "WF2", "WF10", UNKNOWN]


def test_stops_in_a_district_follow_the_inward_code():
    stops = [Stop(1, "WF1 5ZZ", "b"), Stop(2, "WF1 2AB", "a"), Stop(3, "WF1 2AA", "c")]
    [wf1] = plan_round(stops)
    assert [s.item for s in wf1.stops] == [3, 2, 1]
