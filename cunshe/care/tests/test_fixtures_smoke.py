from cunshe.care import signing


def test_family_is_registered_with_the_father_away(family):
    assert family.father.residence_status == "away_work"
    assert family.child.household_id == family.father.household_id


def test_signing_round_trip_and_tamper():
    msg = signing.sign("k", {"v": 1, "id": "e1", "device": "T-1", "type": "sos"})
    assert signing.verify("k", msg)
    assert not signing.verify("other", msg)
    assert not signing.verify("k", {**msg, "type": "heartbeat"})
