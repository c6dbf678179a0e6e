"""The demo county: Weishan 巍山彝族回族自治县 (532927), its townships, villages, units, users.

The demos tell a story in time: each step runs inside ``story_at(<its story date>)`` and its
history row is stamped with that date (written once, chained as usual; see
``supervision.clock`` and docs/WORKFLOW_GUIDE.md).
"""
from __future__ import annotations

from django.db import transaction

from .clock import story_at, story_now  # noqa: F401  (the demos' story mechanism)
from .models import Person, Region, Role, RoleAssignment, Unit, User

COUNTY = ("532927", "巍山彝族回族自治县", "weishan")

# (code, name, pinyin, villages). Named villages are the real ones where known (DESIGN §3.1);
# elsewhere plausible names stand in.
TOWNSHIPS = [
    ("532927100", "南诏镇", "nanzhao", ["鸡碧", "系马庄", "自由", "和平", "新村", "文笔", "河西", "南山"]),
    ("532927101", "庙街镇", "miaojie", ["庙街", "古城", "盟石", "新胜", "启明", "利克", "大西", "云鹤"]),
    ("532927102", "大仓镇", "dacang", ["大仓", "小仓", "甸中", "琢木郎", "新胜", "啄木", "乐秋", "永安"]),
    ("532927103", "永建镇", "yongjian",
     ["永瑞", "永胜", "永平", "小围埂", "永利", "西山", "永乐", "红河源", "永和", "永安"]),
    ("532927200", "巍宝山乡", "weibaoshan", ["建设", "龙潭", "安乐", "大箐", "合作", "中和"]),
    ("532927201", "紫金乡", "zijin", ["紫金", "老街", "新田", "平掌", "麦地", "大村", "地索", "双龙", "土主庙"]),
    ("532927202", "马鞍山乡", "maanshan", ["三胜", "红旗", "青云", "河南", "三鹤", "五里巷"]),
    ("532927203", "五印乡", "wuyin", ["五印", "新村", "大寨", "罗伍", "地索", "小村", "阿朵", "金竹", "得胜"]),
    ("532927204", "牛街乡", "niujie", ["牛街", "光明", "龙街", "马米厂", "北兵", "南兵", "勐合", "太平", "白鹤"]),
    ("532927205", "青华乡", "qinghua", ["青华", "绿营", "新福", "秧草塘", "瓦盆", "小村", "中村", "干海子", "大瑶"]),
]

UNITS = [
    ("县纪委监委", Unit.Kind.DISCIPLINE, False),
    ("县委组织部", Unit.Kind.ORGANIZATION, False),
    ("县委督查室", Unit.Kind.INSPECTION, False),
    ("县驻村工作联席会议办公室", Unit.Kind.JOINT_OFFICE, False),
    ("县财政局", Unit.Kind.DEPARTMENT, True),
    ("县农业农村局", Unit.Kind.DEPARTMENT, True),
    ("县教育体育局", Unit.Kind.DEPARTMENT, True),
    ("县卫生健康局", Unit.Kind.DEPARTMENT, True),
    ("县住房和城乡建设局", Unit.Kind.DEPARTMENT, True),
    ("县审计局", Unit.Kind.DEPARTMENT, True),
    ("县水务局", Unit.Kind.DEPARTMENT, True),
    ("县林业和草原局", Unit.Kind.DEPARTMENT, True),
    ("巍山县农村信用合作联社", Unit.Kind.ENTERPRISE, True),
]

# username, role, unit name, person name, post
COUNTY_USERS = [
    ("inspector", Role.INSPECTOR, "县委督查室", "李督查", "督查室副主任"),
    ("organization", Role.ORGANIZATION, "县委组织部", "杨组织", "组织部组织科科长"),
    ("discipline", Role.DISCIPLINE, "县纪委监委", "张纪检", "纪检监察室主任"),
    ("discipline_head", Role.DISCIPLINE_HEAD, "县纪委监委", "赵书记", "县纪委副书记"),
    ("discipline_head2", Role.DISCIPLINE_HEAD, "县纪委监委", "钱副主任", "县监委副主任"),
    ("discipline_principal", Role.DISCIPLINE_HEAD, "县纪委监委", "段书记", "县委常委、县纪委书记、县监委主任"),
    ("organization_head", Role.ORGANIZATION, "县委组织部", "马部长", "县委常委、组织部部长"),
    ("leader", Role.LEADER, None, "王县长", "县委副书记"),
    ("auditor", Role.AUDITOR, "县审计局", "周审计", "审计监督科科长"),
]

# Principals (主要负责人, ``RoleAssignment.is_principal``): the commission's principal head, the
# organisation department's head and each township's party secretary (``secretary_<pinyin>``).
PRINCIPALS = {"discipline_principal", "organization_head"}
SECRETARY_NAMES = ["段建华", "苏立新", "鲁国强", "施文斌", "毕志勇", "常建明", "熊海涛", "陈晓东", "查永平", "字德明"]

# Each township's discipline committee (乡镇纪委): a handler and its head (``township_discipline[_head]_<pinyin>``).
TOWNSHIP_DISCIPLINE_NAMES = ["罗正清", "李春梅", "杨建林", "张丽华", "赵文亮",
                             "左云飞", "何国荣", "茶学军", "王秀英", "字光明"]
TOWNSHIP_DISCIPLINE_HEAD_NAMES = ["杨纪平", "王志刚", "李德华", "赵明清", "张永福",
                                  "罗国华", "何建新", "茶红梅", "鲁正军", "施玉兰"]

DEFAULT_PASSWORD = "weishan2026"


def upsert(model, defaults: dict | None = None, **lookup):
    """Like update_or_create, but saves (and writes history) only when something differs,
    so re-running the seed changes nothing."""
    defaults = defaults or {}
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **defaults), True
    changed = [k for k, v in defaults.items() if getattr(obj, k) != v]
    if changed:
        for k in changed:
            setattr(obj, k, defaults[k])
        obj.save()
    return obj, False


def _village_code(township_code: str, index: int) -> str:
    return f"{township_code}{index + 1:03d}"


@transaction.atomic
def seed_kernel(password: str | None = None) -> list[tuple[str, str]]:
    """Create or update the county, returning [(username, description)]. Idempotent."""
    county, _ = upsert(Region, 
        code=COUNTY[0], defaults={"name": COUNTY[1], "pinyin": COUNTY[2], "level": Region.Level.COUNTY})
    townships = {}
    for code, name, pinyin, villages in TOWNSHIPS:
        township, _ = upsert(Region, 
            code=code, defaults={"name": name, "pinyin": pinyin, "level": Region.Level.TOWNSHIP, "parent": county})
        townships[pinyin] = township
        for i, village in enumerate(villages):
            full = village if village.endswith(("村", "社区")) else f"{village}村"
            upsert(Region, 
                code=_village_code(code, i),
                defaults={"name": full, "level": Region.Level.VILLAGE, "parent": township,
                          "is_poor_village": i % 3 == 0})
        upsert(Unit, name=f"{name}党委", defaults={"kind": Unit.Kind.TOWNSHIP, "region": township})
    units = {}
    for name, kind, dispatching in UNITS:
        units[name], _ = upsert(Unit, name=name, defaults={"kind": kind, "is_dispatching": dispatching})

    logins = []

    def ensure_user(username, role, region, unit, person_name, post):
        person, _ = Person.objects.get_or_create(name=person_name, unit=unit, defaults={"post": post, "region": region})
        user = User.objects.filter(username=username).first()
        created = user is None
        if created:
            user = User(username=username)
        if created or password or user.person_id != person.pk or not user.is_active:
            user.first_name = person_name
            user.person = person
            user.is_active = True
            if created or password:
                user.set_password(password or DEFAULT_PASSWORD)
            user.save()
        principal = username in PRINCIPALS or username.startswith("secretary_")
        upsert(RoleAssignment, {"is_principal": principal}, user=user, role=role, region=region)
        logins.append((username, f"{Role(role).label} · {region.name if region else '全县'} · {person_name}"))
        return user

    for username, role, unit_name, person_name, post in COUNTY_USERS:
        ensure_user(username, role, None, units.get(unit_name), person_name, post)
    surnames = "杨李张王赵罗茶字左何"
    for i, (_code, name, pinyin, _villages) in enumerate(TOWNSHIPS):
        unit = Unit.objects.get(name=f"{name}党委")
        ensure_user(f"township_{pinyin}", Role.TOWNSHIP, townships[pinyin], unit,
                    f"{surnames[i]}{name[:2]}", f"{name}党政办干部")
        ensure_user(f"secretary_{pinyin}", Role.TOWNSHIP, townships[pinyin], unit,
                    SECRETARY_NAMES[i], f"{name}党委书记")
        ensure_user(f"township_discipline_{pinyin}", Role.TOWNSHIP_DISCIPLINE, townships[pinyin], unit,
                    TOWNSHIP_DISCIPLINE_NAMES[i], f"{name}纪委干部")
        ensure_user(f"township_discipline_head_{pinyin}", Role.TOWNSHIP_DISCIPLINE_HEAD, townships[pinyin], unit,
                    TOWNSHIP_DISCIPLINE_HEAD_NAMES[i], f"{name}纪委书记")

    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User(username="admin", first_name="管理员", is_staff=True, is_superuser=True)
        admin.set_password(password or DEFAULT_PASSWORD)
        admin.save()
    elif password:
        admin.set_password(password)
        admin.save()
    logins.append(("admin", "系统管理员（/admin/）"))
    return logins
