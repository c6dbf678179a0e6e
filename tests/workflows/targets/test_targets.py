"""Each target at its boundary gives the right status (and says the gap in words)."""

import datetime as dt

import pytest

from supervision.models import Region, Unit
from supervision.transitions import run_transition
from workflows.postings import services as postings
from workflows.targets import evaluate, services
from workflows.targets.models import ReserveCadre, TrainingSession, VillagerGroup

from .conftest import TODAY, YEAR, create, reserve_data, village

PAST = YEAR - 1


def cell(users, v, target, year=YEAR, today=None):
    board = evaluate.board_for(user=users["inspector"], year=year, township_id=v.parent_id, today=today)
    row = next(r for t in board.towns for r in t.villages if r.village.pk == v.pk)
    return row.cells[target]


@pytest.fixture
def poor(townships):
    v = village(townships)
    assert v.is_poor_village
    return v


@pytest.fixture
def not_poor(townships):
    v = village(townships, index=1)
    assert not v.is_poor_village
    return v


@pytest.mark.django_db
class TestIncome:
    def test_threshold_in_a_finished_year(self, users, poor, make):
        assert cell(users, poor, "income", PAST).status == "missed"  # not reported
        income = make("incomes", year=PAST, amount="19999.99")
        c = cell(users, poor, "income", PAST)
        assert (c.status, c.gap) == ("missed", "集体经济收入 19,999.99 元，距 20,000.00 元差 0.01 元")
        services.record_update(actor=users["township_nanzhao"], key="incomes", pk=income.pk, data={"amount": "20000"})
        assert cell(users, poor, "income", PAST).status == "met"

    def test_while_the_year_runs_a_shortfall_is_at_risk(self, users, poor, make):
        c = cell(users, poor, "income", YEAR, today=dt.date(YEAR, 6, 30))
        assert (c.status, c.gap) == ("at_risk", f"{YEAR} 年集体经济收入未填报")
        make("incomes", amount="19999.99")
        assert cell(users, poor, "income", YEAR, today=dt.date(YEAR, 6, 30)).status == "at_risk"
        assert cell(users, poor, "income", YEAR, today=dt.date(YEAR, 12, 31)).status == "missed"

    def test_not_a_poor_village(self, users, not_poor):
        assert cell(users, not_poor, "income").status == "na"

    def test_the_threshold_is_a_setting(self, users, poor, make, settings):
        make("incomes", year=PAST, amount="25000")
        assert cell(users, poor, "income", PAST).status == "met"
        settings.TARGETS = {"INCOME_MIN": 30000}
        assert cell(users, poor, "income", PAST).status == "missed"


@pytest.mark.django_db
class TestReserves:
    def test_zero_one_three(self, users, poor, make):
        c = cell(users, poor, "reserves")
        assert (c.status, c.gap) == ("missed", "村级后备力量 0 名，要求 1—2 名")
        first = make("reserve-cadres")  # born 1992-05-01
        c = cell(users, poor, "reserves", 2028, today=dt.date(2028, 4, 30))  # 35 years old
        assert (c.status, c.gap) == ("met", "村级后备力量 1 名（35 岁以下 1 名）")
        assert (
            cell(users, poor, "reserves", 2028, today=dt.date(2028, 5, 1)).gap == "村级后备力量 1 名（35 岁以下 0 名）"
        )
        make("reserve-cadres", name="二")
        assert cell(users, poor, "reserves").status == "met"
        make("reserve-cadres", name="三")
        c = cell(users, poor, "reserves")
        assert c.status == "at_risk" and "3 名" in c.gap
        # promoted into the 两委: no longer a reserve cadre
        run_transition(
            model=ReserveCadre,
            pk=first.pk,
            name="promote",
            actor=users["township_nanzhao"],
            comment="",
            data={"date": TODAY.isoformat(), "post": "村委会副主任"},
        )
        assert cell(users, poor, "reserves").status == "met"

    def test_counted_on_the_day_looked_at(self, users, poor):
        create(users["township_nanzhao"], "reserve-cadres", **reserve_data(poor, entered_on=f"{YEAR}-01-02"))
        assert cell(users, poor, "reserves", PAST).status == "missed"  # entered after last year ended
        assert cell(users, poor, "reserves", YEAR).status == "met"

    def test_not_a_poor_village(self, users, not_poor):
        assert cell(users, not_poor, "reserves").status == "na"


@pytest.mark.django_db
class TestGroups:
    def test_no_groups_is_missed(self, users, not_poor):
        assert cell(users, not_poor, "groups").gap == "未登记村民小组"
        assert cell(users, not_poor, "groups").status == "missed"

    def test_blank_thin_and_covered_groups(self, users, not_poor, make):
        make("villager-groups", v=not_poor, name="一组", party_members=4)
        blank = make("villager-groups", v=not_poor, name="二组", party_members=0)
        c = cell(users, not_poor, "groups")
        assert (c.status, c.gap) == ("missed", "1 个村民小组无党员：二组")
        services.record_update(
            actor=users["township_nanzhao"], key="villager-groups", pk=blank.pk, data={"party_members": 1}
        )
        assert cell(users, not_poor, "groups").status == "at_risk"
        services.record_update(
            actor=users["township_nanzhao"], key="villager-groups", pk=blank.pk, data={"party_members": 2}
        )
        assert cell(users, not_poor, "groups").status == "met"

    def test_a_dissolved_group_does_not_count(self, users, not_poor, make):
        make("villager-groups", v=not_poor, name="一组", party_members=4)
        blank = make("villager-groups", v=not_poor, name="二组", party_members=0)
        run_transition(
            model=VillagerGroup, pk=blank.pk, name="dissolve", actor=users["township_nanzhao"], comment="并入一组"
        )
        assert cell(users, not_poor, "groups").status == "met"

    def test_each_group_is_a_region_under_its_village(self, not_poor, make):
        g1 = make("villager-groups", v=not_poor, name="一组")
        g2 = make("villager-groups", v=not_poor, name="二组")
        assert (g1.region.level, g1.region.parent_id, g1.region.code) == ("group", not_poor.pk, f"{not_poor.code}001")
        assert g2.region.code == f"{not_poor.code}002" and g2.region.township_id == not_poor.parent_id


@pytest.fixture
def unit(county):
    return Unit.objects.get(name="县财政局")


@pytest.mark.django_db
class TestFirstSecretary:
    def test_posted_ended_and_expiring(self, users, poor, unit):
        org = users["organization"]
        assert cell(users, poor, "first_secretary").gap == "未选派第一书记"
        posting = postings.posting_create(
            actor=org,
            person_name="陈立新",
            dispatching_unit=unit,
            village=poor,
            role="first_secretary",
            start_date=TODAY - dt.timedelta(days=100),
        )
        c = cell(users, poor, "first_secretary")
        assert (c.status, c.gap) == ("met", "第一书记：陈立新")
        near = posting.end_date - dt.timedelta(days=59)
        assert cell(users, poor, "first_secretary", near.year, today=near).status == "at_risk"
        run_transition(model=type(posting), pk=posting.pk, name="complete", actor=org, comment="期满")
        c = cell(users, poor, "first_secretary")
        assert c.status == "missed" and "已于" in c.gap and "尚未补派" in c.gap

    def test_a_team_member_is_not_a_first_secretary(self, users, poor, unit):
        postings.posting_create(
            actor=users["organization"],
            person_name="队员甲",
            dispatching_unit=unit,
            village=poor,
            role="member",
            start_date=TODAY - dt.timedelta(days=10),
        )
        assert cell(users, poor, "first_secretary").status == "missed"

    def test_not_a_poor_village(self, users, not_poor):
        assert cell(users, not_poor, "first_secretary").status == "na"


@pytest.mark.django_db
class TestTraining:
    def _session(self, users, v, level="county", day=None):
        day = day or TODAY
        data = {"level": level, "title": "集中轮训班", "start_date": day.isoformat(), "end_date": day.isoformat()}
        if level == "township":
            data["township"] = v.parent_id
        return create(users["organization"], "trainings", **data)

    def test_everyone_in_the_roster_once_a_year(self, users, not_poor, make):
        assert cell(users, not_poor, "training").status == "missed"  # empty roster
        secretary = make("village-cadres", v=not_poor)
        official = make("village-cadres", v=not_poor, name="大学生甲", post="college_official")
        session = self._session(users, not_poor, day=dt.date(PAST, 5, 1))
        services.attendance_add(
            actor=users["organization"], session_id=session.pk, data={"people": [str(secretary.person_id)]}
        )
        # planned, not held: does not count yet
        assert cell(users, not_poor, "training", PAST).status == "missed"
        run_transition(model=TrainingSession, pk=session.pk, name="hold", actor=users["organization"], comment="")
        c = cell(users, not_poor, "training", PAST)
        assert (c.status, c.gap) == ("missed", f"1/2 人未参加 {PAST} 年集中轮训：大学生甲")
        assert cell(users, not_poor, "training", YEAR, today=dt.date(YEAR, 3, 1)).status == "at_risk"
        services.attendance_add(
            actor=users["organization"], session_id=session.pk, data={"people": [str(official.person_id)]}
        )
        assert cell(users, not_poor, "training", PAST).status == "met"

    def test_a_township_session_is_not_the_county_s_rotation(self, users, not_poor, make):
        secretary = make("village-cadres", v=not_poor)
        session = self._session(users, not_poor, level="township", day=dt.date(PAST, 5, 1))
        services.attendance_add(
            actor=users["organization"], session_id=session.pk, data={"people": [str(secretary.person_id)]}
        )
        run_transition(model=TrainingSession, pk=session.pk, name="hold", actor=users["organization"], comment="")
        assert cell(users, not_poor, "training", PAST).status == "missed"

    def test_first_secretaries_are_in_the_roster(self, users, poor, unit):
        postings.posting_create(
            actor=users["organization"],
            person_name="陈立新",
            dispatching_unit=unit,
            village=poor,
            role="first_secretary",
            start_date=TODAY - dt.timedelta(days=10),
        )
        c = cell(users, poor, "training", YEAR, today=TODAY)
        assert "陈立新" in c.gap


@pytest.mark.django_db
class TestTalentAidShop:
    def test_talent(self, users, poor, make):
        assert cell(users, poor, "talent").gap == "无专业人才挂钩帮扶"
        pairing = make("talents")
        assert cell(users, poor, "talent").status == "met"
        run_transition(
            model=type(pairing),
            pk=pairing.pk,
            name="end",
            actor=users["township_nanzhao"],
            comment="调离",
            data={"date": TODAY.isoformat()},
        )
        assert cell(users, poor, "talent").status == "missed"

    def test_aid_leader_department_cadre_and_households(self, users, poor, make):
        c = cell(users, poor, "aid")
        assert c.status == "missed" and c.gap == "无挂点县领导；无包村部门；无帮户干部"
        make("aid-pairings")
        make("aid-pairings", kind="department", helper_name="县财政局")
        household = make("households")
        c = cell(users, poor, "aid")
        assert c.gap == "无帮户干部；1 户贫困户无帮扶干部：罗某"
        make("aid-pairings", kind="cadre", helper_name="张帮扶", household_no=household.household_no)
        assert cell(users, poor, "aid").status == "met"

    def test_a_household_in_a_village_that_is_not_poor(self, users, not_poor, make):
        assert cell(users, not_poor, "aid").status == "na"
        make("households", v=not_poor)
        assert cell(users, not_poor, "aid").status == "missed"

    def test_shop(self, users, poor, make):
        board = evaluate.board_for(user=users["inspector"], year=PAST, township_id=poor.parent_id)
        assert board.towns[0].shop.status == "missed"
        board = evaluate.board_for(
            user=users["inspector"], year=YEAR, township_id=poor.parent_id, today=dt.date(YEAR, 6, 1)
        )
        assert board.towns[0].shop.status == "at_risk"
        shop = make("shops")
        run_transition(
            model=type(shop),
            pk=shop.pk,
            name="open",
            actor=users["township_nanzhao"],
            comment="",
            data={"date": TODAY.isoformat()},
        )
        board = evaluate.board_for(user=users["inspector"], year=YEAR, township_id=poor.parent_id)
        assert board.towns[0].shop.status == "met"


@pytest.mark.django_db
def test_a_township_user_s_board_counts_only_its_villages(users, townships):
    board = evaluate.board_for(user=users["township_nanzhao"], year=YEAR)
    assert [t.township.pinyin for t in board.towns] == ["nanzhao"]
    assert len(board.towns[0].villages) == Region.objects.filter(parent=townships["nanzhao"]).count()
