//! The one error type of the domain core. Each error has a stable code for programs and a
//! message for people, in Chinese or English.

use chrono::NaiveDate;

use crate::Lang;
use crate::household::TeamRole;
use crate::id_number::IdNumberError;
use crate::person::PopulationGroup;
use crate::phone::PhoneError;
use crate::record_number::RecordNumberError;

pub type Result<T, E = CoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoreError {
    #[error("invalid ID number: {0}")]
    IdNumber(#[from] IdNumberError),
    #[error("invalid phone number: {0}")]
    Phone(#[from] PhoneError),
    #[error("health-record number: {0}")]
    RecordNumber(#[from] RecordNumberError),
    #[error("{field} is required")]
    Required { field: &'static str },
    #[error("{field} is too long (at most {max} characters)")]
    TooLong { field: &'static str, max: usize },
    #[error("invalid date '{0}'")]
    Date(String),
    #[error("the birth date does not match the ID number")]
    BirthDateMismatch,
    #[error("{field} = {value} is outside {min}..{max}")]
    VitalOutOfRange {
        field: &'static str,
        value: f64,
        min: f64,
        max: f64,
    },
    #[error("the systolic pressure must be higher than the diastolic")]
    BloodPressureInverted,
    #[error("only one member may be the head of the household")]
    SeveralHeads,
    #[error("the household has no head")]
    NoHead,
    #[error("the household has no members")]
    NoMembers,
    #[error("the same ID number appears twice in the household")]
    DuplicateIdInHousehold,
    #[error("unknown population group '{0}'")]
    UnknownGroup(String),
    #[error("the package catalog cannot be read: {0}")]
    Catalog(String),
    #[error("unknown package '{0}'")]
    UnknownPackage(String),
    #[error("unknown service item '{0}'")]
    UnknownServiceItem(String),
    #[error("no member was chosen for the contract")]
    NoMembersChosen,
    #[error("{name} is not a member of this household")]
    NotInHousehold { name: String },
    #[error(
        "{name} is already covered by agreement {agreement_number}{}",
        covered_until_en(until)
    )]
    AlreadyCovered {
        name: String,
        agreement_number: String,
        until: chrono::NaiveDate,
    },
    #[error("the contract is not active on {0}")]
    NotActive(chrono::NaiveDate),
    #[error("termination needs the confirmation of both parties")]
    TerminationUnconfirmed,
    #[error("the new doctor is the current doctor")]
    SameDoctor,
    #[error("the contract was already terminated")]
    AlreadyTerminated,
    #[error("the contract was already renewed")]
    AlreadyRenewed,
    #[error("the contract does not renew by itself: there is no renewal to decline")]
    NothingToDecline,
    #[error("renewal can be signed from {0}, 30 days before the term ends")]
    RenewalNotOpen(chrono::NaiveDate),
    #[error("the service item is not part of this resident's contract")]
    ItemNotInContract,
    #[error("the visit time is in the future")]
    VisitInFuture,
    #[error(
        "the person who served is not a member of {team}, the team responsible on the visit day"
    )]
    ServedByNotInTeam { team: String },
    #[error(
        "no team is responsible for this resident on the visit day, so nobody can be named as having served"
    )]
    NoTeamOnVisitDay,
    #[error("the term ends before it starts")]
    InvalidTerm,
    #[error("the group '{}' follows from the birth date and is never recorded", .0.code())]
    GroupIsDerived(PopulationGroup),
    #[error("the '{}' period ends before it starts", group.code())]
    GroupPeriodEndsBeforeStart { group: PopulationGroup },
    #[error("the group '{}' does not apply to a male resident", group.code())]
    GroupNotForSex { group: PopulationGroup },
    #[error("two '{}' periods overlap (from {from})", group.code())]
    GroupPeriodsOverlap {
        group: PopulationGroup,
        from: NaiveDate,
    },
    #[error("{field} {date} is in the future")]
    DateInFuture {
        field: &'static str,
        date: NaiveDate,
    },
    #[error("{field} {date} is before the birth date")]
    DateBeforeBirth {
        field: &'static str,
        date: NaiveDate,
    },
    #[error("the resident died on {died_on}; nothing can be recorded after that")]
    AfterDeath { died_on: NaiveDate },
    #[error("the resident is already a member of this household on {on}")]
    AlreadyMember { on: NaiveDate },
    #[error("the resident is not a member of the household on {on}")]
    NotAMember { on: NaiveDate },
    #[error("the resident is still a member of another household on {on}; record the move from it")]
    MemberElsewhere { on: NaiveDate },
    #[error("a delivery is recorded on a pregnancy")]
    NotPregnant,
    #[error("a birth is recorded on the birth date ({birth_date})")]
    BirthNotOnBirthDate { birth_date: NaiveDate },
    #[error("the mother is not a member of the household on {on}")]
    MotherNotInHousehold { on: NaiveDate },
    #[error(
        "this amendment needs the household's signature (a member or services added, or an end of coverage the household asked for)"
    )]
    AmendmentUnsigned,
    #[error("the member is not covered by this agreement on {on}")]
    NotCoveredOn { on: NaiveDate },
    #[error("no package was chosen")]
    NoPackagesChosen,
    #[error("the household already signed with another team (agreement {agreement_number})")]
    HouseholdHasAnotherTeam { agreement_number: String },
    #[error("the family doctor is not a member of the team")]
    DoctorNotInTeam,
    #[error("{name} is the team's {}, not a doctor, and cannot be the family doctor", role.label(Lang::En))]
    NotADoctor { name: String, role: TeamRole },
    #[error("{name} is not a member of the household and not a stated guardian")]
    RepresentativeNotMember { name: String },
    #[error("{name} is not an adult and cannot sign for the household")]
    RepresentativeNotAdult { name: String },
    #[error("{name} has no birth date on record, so cannot be shown to be an adult")]
    RepresentativeAgeUnknown { name: String },
}

impl CoreError {
    /// A stable machine-readable code (the UI and scripts act on it).
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::IdNumber(_) => "invalid_id_number",
            CoreError::Phone(_) => "invalid_phone",
            CoreError::RecordNumber(e) => match e {
                RecordNumberError::NoRange => "no_record_range",
                RecordNumberError::RangeUsedUp { .. } => "record_range_used_up",
                RecordNumberError::Taken(_) => "record_number_taken",
                _ => "invalid_record_number",
            },
            CoreError::Required { .. } => "required",
            CoreError::TooLong { .. } => "too_long",
            CoreError::Date(_) => "invalid_date",
            CoreError::BirthDateMismatch => "birth_date_mismatch",
            CoreError::VitalOutOfRange { .. } | CoreError::BloodPressureInverted => {
                "invalid_vitals"
            }
            CoreError::SeveralHeads | CoreError::NoHead | CoreError::NoMembers => {
                "invalid_household"
            }
            CoreError::DuplicateIdInHousehold => "duplicate_id_number",
            CoreError::UnknownGroup(_) => "unknown_group",
            CoreError::Catalog(_) => "invalid_catalog",
            CoreError::UnknownPackage(_) | CoreError::UnknownServiceItem(_) => "unknown_package",
            CoreError::NoMembersChosen | CoreError::NotInHousehold { .. } => "invalid_contract",
            CoreError::AlreadyCovered { .. } => "already_covered",
            CoreError::NotActive(_)
            | CoreError::AlreadyTerminated
            | CoreError::AlreadyRenewed
            | CoreError::NothingToDecline
            | CoreError::RenewalNotOpen(_)
            | CoreError::InvalidTerm => "contract_state",
            CoreError::TerminationUnconfirmed => "confirmation_required",
            CoreError::SameDoctor => "same_doctor",
            CoreError::ItemNotInContract => "item_not_in_contract",
            CoreError::VisitInFuture => "visit_in_future",
            CoreError::ServedByNotInTeam { .. } | CoreError::NoTeamOnVisitDay => {
                "served_by_not_in_team"
            }
            CoreError::GroupIsDerived(_)
            | CoreError::GroupPeriodEndsBeforeStart { .. }
            | CoreError::GroupNotForSex { .. }
            | CoreError::GroupPeriodsOverlap { .. }
            | CoreError::NotPregnant => "invalid_group_period",
            CoreError::DateInFuture { .. } | CoreError::DateBeforeBirth { .. } => "invalid_date",
            CoreError::AfterDeath { .. }
            | CoreError::AlreadyMember { .. }
            | CoreError::NotAMember { .. }
            | CoreError::MemberElsewhere { .. }
            | CoreError::BirthNotOnBirthDate { .. }
            | CoreError::MotherNotInHousehold { .. } => "invalid_membership",
            CoreError::AmendmentUnsigned => "confirmation_required",
            CoreError::NotCoveredOn { .. } | CoreError::NoPackagesChosen => "invalid_amendment",
            CoreError::HouseholdHasAnotherTeam { .. } => "another_team",
            CoreError::DoctorNotInTeam | CoreError::NotADoctor { .. } => "not_a_doctor",
            CoreError::RepresentativeNotMember { .. }
            | CoreError::RepresentativeNotAdult { .. }
            | CoreError::RepresentativeAgeUnknown { .. } => "invalid_representative",
        }
    }

    /// The message for a person, in their language.
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            CoreError::IdNumber(e) => format!("身份证号码有误：{}", id_number_zh(e)),
            CoreError::Phone(e) => format!("电话号码有误：{}", phone_zh(e)),
            CoreError::RecordNumber(e) => {
                format!("健康档案编号有误：{}", crate::record_number::message_zh(e))
            }
            CoreError::Required { field } => format!("请填写{}", field_zh(field)),
            CoreError::TooLong { field, max } => {
                format!("{}过长（最多{max}个字）", field_zh(field))
            }
            CoreError::Date(raw) => format!("日期“{raw}”无效，请按 年-月-日 填写"),
            CoreError::BirthDateMismatch => "出生日期与身份证号码不一致".into(),
            CoreError::VitalOutOfRange {
                field,
                value,
                min,
                max,
            } => {
                format!(
                    "{}为{value}，超出合理范围（{min}–{max}），请核对",
                    field_zh(field)
                )
            }
            CoreError::BloodPressureInverted => "收缩压应高于舒张压，请核对".into(),
            CoreError::SeveralHeads => "一户只能有一位户主".into(),
            CoreError::NoHead => "请指定户主".into(),
            CoreError::NoMembers => "家庭至少要有一名成员".into(),
            CoreError::DuplicateIdInHousehold => "同一户中身份证号码重复".into(),
            CoreError::UnknownGroup(g) => format!("未知的人群分类“{g}”"),
            CoreError::Catalog(e) => format!("服务包目录无法读取：{e}"),
            CoreError::UnknownPackage(p) => format!("服务包“{p}”不存在"),
            CoreError::UnknownServiceItem(i) => format!("服务项目“{i}”不存在"),
            CoreError::NoMembersChosen => "请至少选择一名签约成员".into(),
            CoreError::NotInHousehold { name } => format!("{name}不是本户成员"),
            CoreError::AlreadyCovered {
                name,
                agreement_number,
                until,
            } => {
                if *until == chrono::NaiveDate::MAX {
                    format!("{name}已在协议{agreement_number}中签约，该协议自动续约")
                } else {
                    format!("{name}已在协议{agreement_number}中签约，有效期至{until}")
                }
            }
            CoreError::NotActive(on) => format!("该协议在{on}不在有效期内"),
            CoreError::TerminationUnconfirmed => "解约须经甲乙双方确认签字".into(),
            CoreError::SameDoctor => "新的签约医生与现任医生相同".into(),
            CoreError::AlreadyTerminated => "该协议已解约".into(),
            CoreError::AlreadyRenewed => "该协议已续约".into(),
            CoreError::NothingToDecline => "该协议不会自动续约，无需办理不再续约".into(),
            CoreError::RenewalNotOpen(from) => {
                format!("续约自{from}起办理（协议期满前30天）")
            }
            CoreError::ItemNotInContract => "该服务项目不在此居民的签约服务包中".into(),
            CoreError::VisitInFuture => "服务时间不能晚于当前时间".into(),
            CoreError::ServedByNotInTeam { team } => {
                format!("服务人员不是服务当天负责该居民的团队（{team}）的成员")
            }
            CoreError::NoTeamOnVisitDay => "服务当天没有负责该居民的团队，无法登记服务人员".into(),
            CoreError::InvalidTerm => "协议期限的结束日期早于开始日期".into(),
            CoreError::GroupIsDerived(g) => {
                format!("“{}”由出生日期自动判断，无需登记", g.label(Lang::Zh))
            }
            CoreError::GroupPeriodEndsBeforeStart { group } => {
                format!("“{}”的结束日期早于开始日期", group.label(Lang::Zh))
            }
            CoreError::GroupNotForSex { group } => {
                format!("“{}”不适用于男性居民", group.label(Lang::Zh))
            }
            CoreError::GroupPeriodsOverlap { group, from } => {
                format!(
                    "“{}”的两段登记时间重叠（自{from}起）",
                    group.label(Lang::Zh)
                )
            }
            CoreError::DateInFuture { field, date } => {
                format!("{}{date}晚于今天", field_zh(field))
            }
            CoreError::DateBeforeBirth { field, date } => {
                format!("{}{date}早于出生日期", field_zh(field))
            }
            CoreError::AfterDeath { died_on } => {
                format!("该居民已于{died_on}死亡，之后不能再登记变动")
            }
            CoreError::AlreadyMember { on } => format!("该居民在{on}已是本户成员"),
            CoreError::NotAMember { on } => format!("该居民在{on}不是本户成员"),
            CoreError::MemberElsewhere { on } => {
                format!("该居民在{on}仍是另一户的成员，请先登记从该户迁出")
            }
            CoreError::NotPregnant => "分娩只能登记在孕期记录上".into(),
            CoreError::BirthNotOnBirthDate { birth_date } => {
                format!("出生入户的日期应为出生日期{birth_date}")
            }
            CoreError::MotherNotInHousehold { on } => format!("母亲在{on}不是本户成员"),
            CoreError::AmendmentUnsigned => {
                "该变更须经乙方（居民）签字确认：增加成员或服务内容、本人申请终止签约都需签字"
                    .into()
            }
            CoreError::NotCoveredOn { on } => format!("该成员在{on}不在本协议签约范围内"),
            CoreError::NoPackagesChosen => "请至少选择一个服务包".into(),
            CoreError::HouseholdHasAnotherTeam { agreement_number } => {
                format!(
                    "该户已与其他团队签约（协议{agreement_number}），一户同一时间只能与一个团队签约"
                )
            }
            CoreError::DoctorNotInTeam => "签约医生不是本团队成员".into(),
            CoreError::NotADoctor { name, role } => {
                format!(
                    "{name}在团队中的角色是{}，不能担任签约医生",
                    role.label(Lang::Zh)
                )
            }
            CoreError::RepresentativeNotMember { name } => {
                format!("{name}不是本户成员，也未注明监护关系，不能代表本户签约")
            }
            CoreError::RepresentativeNotAdult { name } => {
                format!("{name}未满18周岁，不能代表本户签约")
            }
            CoreError::RepresentativeAgeUnknown { name } => {
                format!("{name}没有出生日期，无法确认已成年，请先补全")
            }
        }
    }
}

fn id_number_zh(e: &IdNumberError) -> String {
    match e {
        IdNumberError::Empty => "未填写".into(),
        IdNumberError::WrongLength(n) => format!("共{n}位，应为18位（旧证15位）"),
        IdNumberError::BadCharacter(c) => format!("含有无效字符“{c}”"),
        IdNumberError::UnknownRegion(code) => format!("地区码{code}不存在"),
        IdNumberError::ImpossibleBirthDate(d) => format!("出生日期{d}不是有效日期"),
        IdNumberError::FutureBirthDate(d) => format!("出生日期{d}晚于今天"),
        IdNumberError::TooOld(d) => format!("出生日期{d}过早"),
        IdNumberError::CheckCharacter { expected, found } => {
            format!("校验位应为{expected}而不是{found}，请逐位核对")
        }
    }
}

fn phone_zh(e: &PhoneError) -> String {
    match e {
        PhoneError::BadCharacter(c) => format!("含有无效字符“{c}”"),
        PhoneError::BadMobile => "手机号应为以13至19开头的11位数字".into(),
        PhoneError::BadLandline => "固定电话应为区号加7至8位号码".into(),
    }
}

/// Chinese names of the fields that errors name.
pub fn field_zh(field: &str) -> &str {
    match field {
        "name" => "姓名",
        "village" => "村",
        "group" => "村民小组",
        "address" => "住址",
        "relation" => "与户主关系",
        "birth_date" => "出生日期",
        "sex" => "性别",
        "notes" => "备注",
        "reason" => "解约原因",
        "systolic" => "收缩压",
        "diastolic" => "舒张压",
        "heart_rate" => "心率",
        "fasting_glucose" => "空腹血糖",
        "height" => "身高",
        "weight" => "体重",
        "waist" => "腰围",
        "doctor" => "签约医生",
        "team" => "签约团队",
        "start" => "开始日期",
        "end" => "结束日期",
        "effective_on" => "生效日期",
        "guardian_name" => "监护人姓名",
        "guardian_relation" => "与被监护人关系",
        "destination" => "迁往地点",
        "household" => "迁入的家庭",
        other => other,
    }
}

/// "until" a day, or that the coverage renews by itself (an open span ends on `NaiveDate::MAX`).
fn covered_until_en(until: &chrono::NaiveDate) -> String {
    if *until == chrono::NaiveDate::MAX {
        ", which renews automatically".into()
    } else {
        format!(" until {until}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_speaks_both_languages() {
        let samples = [
            CoreError::IdNumber(IdNumberError::CheckCharacter {
                expected: 'X',
                found: '9',
            }),
            CoreError::Phone(PhoneError::BadMobile),
            CoreError::Required { field: "name" },
            CoreError::ServedByNotInTeam {
                team: "Team 1".into(),
            },
            CoreError::NoTeamOnVisitDay,
            CoreError::NothingToDecline,
            CoreError::RenewalNotOpen(chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
            CoreError::AlreadyCovered {
                name: "Zhang San".into(),
                agreement_number: "2026-X-00001".into(),
                until: chrono::NaiveDate::MAX,
            },
            CoreError::VitalOutOfRange {
                field: "systolic",
                value: 400.0,
                min: 60.0,
                max: 280.0,
            },
        ];
        for e in samples {
            let zh = e.message(Lang::Zh);
            let en = e.message(Lang::En);
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh}"
            );
            assert!(en.is_ascii(), "{en}");
            assert!(!e.code().is_empty());
        }
    }
}
