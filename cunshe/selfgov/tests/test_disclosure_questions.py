"""Questions and answers: a villager of the village asks on the public item page; the committee
answers on the desk and the answer shows publicly without the asker; a question is hidden with
a reason (kept, audited), never deleted; others cannot ask, answer or hide. Published items are
not edited: a correction is a new item naming the original."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from cunshe.core.models import AuditEvent, Notification
from cunshe.selfgov.models import Disclosure, DisclosureQuestion
from cunshe.selfgov.services import disclosure as services
from cunshe.selfgov.tests.matters_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db
A = "220182102200"


@pytest.fixture
def item(cast, js):  # type: ignore[no-untyped-def]
    return services.disclosure_publish(
        actor=cast.clerk_a, jurisdiction=js.clerk_a, village=cast.village_a, category="finance",
        title="2026年4月财务收支", body="收入：土地租金 12000 元。支出：村道维修 8000 元。",
        period_start=date(2026, 4, 1), period_end=date(2026, 4, 30),
    )  # fmt: skip


def test_villager_asks_committee_answers_and_the_public_sees_no_asker(cast, client_as, item):
    villager = client_as("villager")
    url = f"/gov/villages/{A}/disclosures/{item.pk}/"
    page = villager.get(url)
    assert "data-ask-form" in page.content.decode()
    response = villager.post(url + "ask/", {"question": "村道维修8000元是哪一段路？"})
    assert response.status_code == 302
    question = DisclosureQuestion.objects.within(_j(cast, "clerk_a")).get()
    assert question.asked_by == cast.villager
    assert Notification.objects.filter(
        recipient=cast.clerk_a, link=f"/gov/disclosures/{item.pk}/"
    ).exists()
    # The committee answers on the desk.
    clerk = client_as("clerk_a")
    desk = clerk.get(f"/gov/disclosures/{item.pk}/").content.decode()
    assert "村道维修8000元是哪一段路" in desk and "villager" in desk  # staff see the asker
    response = clerk.post(
        f"/gov/disclosures/{item.pk}/",
        {"action": "answer", "question": question.pk, "answer": "二组至三组之间的一段。"},
    )
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=cast.villager, subject__contains="答复").exists()
    anonymous = Client()
    public = anonymous.get(url).content.decode()
    assert "村道维修8000元是哪一段路" in public and "二组至三组之间的一段" in public
    assert "villager" not in public and "clerk_a" not in public
    assert "data-ask-form" not in public
    assert AuditEvent.objects.filter(action="selfgov.question.asked").count() == 1
    assert AuditEvent.objects.filter(action="selfgov.question.answered").count() == 1
    # An answer is given once.
    with pytest.raises(ValidationError, match="已经答复"):
        services.question_answer(actor=cast.clerk_a, jurisdiction=_j(cast, "clerk_a"),
                                 question=question, answer="再答一次")  # fmt: skip


def _j(cast, name):  # type: ignore[no-untyped-def]
    from cunshe.selfgov.tests.matters_fixtures import jurisdiction_of

    return jurisdiction_of(cast.users[name])


def test_hiding_needs_a_reason_keeps_the_row_and_is_audited(cast, client_as, item):
    question = services.question_ask(actor=cast.villager, jurisdiction=_j(cast, "villager"),
                                     disclosure=item, question="张三家的电话是多少？")  # fmt: skip
    clerk = client_as("clerk_a")
    response = clerk.post(f"/gov/disclosures/{item.pk}/",
                          {"action": "hide", "question": question.pk, "reason": ""})  # fmt: skip
    assert response.status_code == 400
    question.refresh_from_db()
    assert not question.hidden
    hide = {"action": "hide", "question": question.pk, "reason": "含他人隐私"}
    response = clerk.post(f"/gov/disclosures/{item.pk}/", hide)
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.hidden and question.hidden_reason == "含他人隐私"
    assert question.hidden_by == cast.clerk_a
    event = AuditEvent.objects.get(action="selfgov.question.hidden")
    assert event.detail["reason"] == "含他人隐私"
    public = client_as("outsider").get(f"/gov/villages/{A}/disclosures/{item.pk}/").content.decode()
    assert "张三家的电话" not in public
    desk = clerk.get(f"/gov/disclosures/{item.pk}/").content.decode()
    assert "张三家的电话" in desk and "含他人隐私" in desk


def test_only_villagers_of_the_village_ask(cast, client_as, item, js):
    url = f"/gov/villages/{A}/disclosures/{item.pk}/ask/"
    assert client_as("outsider").post(url, {"question": "外村人提问"}).status_code == 403
    assert client_as("clerk_a").post(url, {"question": "干部提问"}).status_code == 403
    anonymous = Client()
    response = anonymous.post(url, {"question": "匿名提问"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    with pytest.raises(PermissionDenied):
        services.question_ask(actor=cast.outsider, jurisdiction=js.outsider, disclosure=item,
                              question="x")  # fmt: skip
    assert not DisclosureQuestion.objects.within(js.clerk_a).exists()


def test_empty_too_long_and_too_many_questions_are_refused(cast, item, js):
    for text, message in (("   ", "请写下"), ("问" * 1001, "最多1000字")):
        with pytest.raises(ValidationError, match=message):
            services.question_ask(actor=cast.villager, jurisdiction=js.villager, disclosure=item,
                                  question=text)  # fmt: skip
    for i in range(services.MAX_OPEN_QUESTIONS):
        services.question_ask(actor=cast.villager, jurisdiction=js.villager, disclosure=item,
                              question=f"问题{i}")  # fmt: skip
    with pytest.raises(ValidationError, match="等待答复"):
        services.question_ask(actor=cast.villager, jurisdiction=js.villager, disclosure=item,
                              question="再问一个")  # fmt: skip


def test_the_township_reads_but_cannot_answer(cast, client_as, item, js):
    question = services.question_ask(actor=cast.villager, jurisdiction=js.villager,
                                     disclosure=item, question="为什么？")  # fmt: skip
    township = client_as("township_officer")
    assert township.get(f"/gov/disclosures/{item.pk}/").status_code == 200
    answer = {"action": "answer", "question": question.pk, "answer": "答"}
    response = township.post(f"/gov/disclosures/{item.pk}/", answer)
    assert response.status_code == 403
    assert client_as("outsider").get(f"/gov/disclosures/{item.pk}/").status_code == 404
    question.refresh_from_db()
    assert question.answered_at is None


def test_a_correction_is_a_new_item_naming_the_original(cast, client_as, item, js):
    clerk = client_as("clerk_a")
    form = clerk.get(f"/gov/disclosures/new/?corrects={item.pk}").content.decode()
    assert "更正：2026年4月财务收支" in form
    response = clerk.post(
        "/gov/disclosures/new/",
        {"corrects": item.pk, "village": cast.village_a.pk, "category": "finance",
         "title": "更正：2026年4月财务收支", "body": "支出更正为：村道维修 7800 元。",
         "period_start": "2026-04-01", "period_end": "2026-04-30"},
    )  # fmt: skip
    assert response.status_code == 302
    original = Disclosure.objects.within(js.clerk_a).get(pk=item.pk)
    assert original.body == item.body and original.title == item.title
    correction = Disclosure.objects.within(js.clerk_a).get(corrects=item)
    public = clerk.get(f"/gov/villages/{A}/disclosures/{item.pk}/").content.decode()
    assert "本条已有更正" in public and correction.title in public


def test_publishing_checks_its_input(cast, js):
    cases = [
        ({"category": "finance", "title": "财务", "body": "x"}, "period_start"),
        ({"category": "general", "title": "", "body": "x"}, "title"),
        ({"category": "general", "title": "t", "body": ""}, "body"),
        (
            {
                "category": "general",
                "title": "t",
                "body": "x",
                "period_start": date(2026, 5, 2),
                "period_end": date(2026, 5, 1),
            },
            "period_end",
        ),
        ({"category": "secret", "title": "t", "body": "x"}, "category"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as exc:
            services.disclosure_publish(actor=cast.clerk_a, jurisdiction=js.clerk_a,
                                        village=cast.village_a, **kwargs)  # fmt: skip
        assert field in exc.value.message_dict
    for who in ("township_officer", "villager", "outsider"):
        with pytest.raises(PermissionDenied):
            services.disclosure_publish(
                actor=cast.users[who], jurisdiction=getattr(js, who), village=cast.village_a,
                category="general", title="t", body="x",
            )  # fmt: skip
    assert not Disclosure.objects.within(js.clerk_a).exists()


def test_a_published_item_cannot_be_saved_again(cast, item, js):
    item.body = "改写后的内容"
    with pytest.raises(ValueError, match="never edited"):
        item.save()
    assert Disclosure.objects.within(js.clerk_a).get(pk=item.pk).body != "改写后的内容"
