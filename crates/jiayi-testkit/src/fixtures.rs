//! Households and contracts as the tests type them: builders that start from nothing but what
//! every household has (village, group, address) and take each member, number, phone and group
//! the test means to check.

use chrono::NaiveDate;
use jiayi_api::{
    Api, ApiResult, MemberChoice, RegisterOutcome, RegisterRequest, SignOutcome, SignRequest,
    VisitRequest,
};
use jiayi_core::household::{HouseholdInput, ResidentInput};
use jiayi_core::id_number::compose;
use jiayi_core::person::{Relation, Sex};
use jiayi_core::visit::{VisitMode, Vitals};
use uuid::Uuid;

/// The county code of the test residents' ID numbers (Wutai County, Xinzhou).
pub const COUNTY: &str = "140822";

/// A valid 1×1 PNG: what a drawn signature is sent as.
pub const TINY_PNG_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/// The header row of a township clerk's roster (台账), in the order clerks keep it.
pub const ROSTER_HEADERS: [&str; 12] = [
    "序号",
    "户主姓名",
    "姓名",
    "性别",
    "身份证号",
    "出生日期",
    "联系电话",
    "与户主关系",
    "村",
    "组",
    "住址",
    "人群分类",
];

/// [`TINY_PNG_BASE64`] as the `String` a sign request carries.
pub fn tiny_png() -> String {
    TINY_PNG_BASE64.into()
}

/// A calendar day (panics on an impossible one).
pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a real day")
}

/// The ID number of a resident of [`COUNTY`] born on `born`, with sequence `seq` (its last
/// digit gives the sex) and its real check character.
pub fn id_number(born: NaiveDate, seq: u16) -> String {
    compose(COUNTY, born, seq)
}

/// A household member as typed on the registration form.
#[derive(Debug, Clone)]
#[must_use]
pub struct Member(ResidentInput);

/// A member with a name and a relation to the head; nothing else filled in.
pub fn member(name: impl Into<String>, relation: Relation) -> Member {
    Member(ResidentInput {
        name: name.into(),
        relation: Some(relation),
        ..Default::default()
    })
}

/// The head of a household; nothing else filled in.
pub fn head(name: impl Into<String>) -> Member {
    member(name, Relation::Head)
}

impl Member {
    /// An ID number of [`COUNTY`] for someone born on `born` ([`id_number`]).
    pub fn born(self, born: NaiveDate, seq: u16) -> Member {
        self.id_number(id_number(born, seq))
    }

    pub fn id_number(mut self, number: impl Into<String>) -> Member {
        self.0.id_number = Some(number.into());
        self
    }

    pub fn phone(mut self, phone: impl Into<String>) -> Member {
        self.0.phone = Some(phone.into());
        self
    }

    /// Population groups by code (`hypertension`, `diabetes`, …).
    pub fn groups(mut self, groups: &[&str]) -> Member {
        self.0.groups = groups.iter().map(|g| g.to_string()).collect();
        self
    }

    pub fn sex(mut self, sex: Sex) -> Member {
        self.0.sex = Some(sex);
        self
    }

    /// The birth date as typed (for members without an ID number).
    pub fn birth_date(mut self, date: impl Into<String>) -> Member {
        self.0.birth_date = Some(date.into());
        self
    }

    pub fn build(self) -> ResidentInput {
        self.0
    }
}

impl From<Member> for ResidentInput {
    fn from(m: Member) -> ResidentInput {
        m.0
    }
}

/// A household as typed on the registration form.
#[derive(Debug, Clone)]
#[must_use]
pub struct Household(HouseholdInput);

/// A household of `village` (name or code) at `address` in village group `group`, no members yet.
pub fn household(
    village: impl Into<String>,
    group: impl Into<String>,
    address: impl Into<String>,
) -> Household {
    Household(HouseholdInput {
        village: village.into(),
        group: group.into(),
        address: address.into(),
        members: Vec::new(),
    })
}

impl Household {
    pub fn member(mut self, member: impl Into<ResidentInput>) -> Household {
        self.0.members.push(member.into());
        self
    }

    pub fn build(self) -> HouseholdInput {
        self.0
    }
}

impl From<Household> for HouseholdInput {
    fn from(h: Household) -> HouseholdInput {
        h.0
    }
}

/// The request that registers `household` without confirming duplicates.
pub fn register_request(household: impl Into<HouseholdInput>) -> RegisterRequest {
    RegisterRequest {
        household: household.into(),
        confirm_duplicates: false,
    }
}

/// Registers `household` through the API (duplicates not confirmed), asserts it was saved, and
/// returns the outcome.
pub fn register_outcome(api: &mut Api, household: impl Into<HouseholdInput>) -> RegisterOutcome {
    let outcome = api
        .register_household(&register_request(household))
        .expect("register the household");
    assert!(outcome.saved, "not saved: {:?}", outcome.duplicates);
    outcome
}

/// Registers `household` through the API, asserts it was saved; the household's id and its
/// residents' ids in the order given.
pub fn register(api: &mut Api, household: impl Into<HouseholdInput>) -> (Uuid, Vec<Uuid>) {
    let outcome = register_outcome(api, household);
    (
        outcome.household_id.expect("a saved household has an id"),
        outcome.resident_ids,
    )
}

/// A service agreement about to be signed: by default for the given members, no paid packages,
/// the team and doctor of the village, signed today with both signatures drawn.
#[derive(Debug, Clone)]
#[must_use]
pub struct Contract(SignRequest);

/// The agreement of `household` for `members`.
pub fn contract(household: Uuid, members: &[Uuid]) -> Contract {
    Contract(SignRequest {
        household_id: household,
        guardian: None,
        representative_id: None,
        members: members
            .iter()
            .map(|id| MemberChoice {
                resident_id: *id,
                paid_packages: vec![],
            })
            .collect(),
        team_id: None,
        doctor_id: None,
        signed_on: None,
        resident_signature_png: Some(tiny_png()),
        doctor_signature_png: Some(tiny_png()),
    })
}

impl Contract {
    /// Signed on `day` instead of today.
    pub fn on(mut self, day: NaiveDate) -> Contract {
        self.0.signed_on = Some(day);
        self
    }

    /// Without drawn signatures (signed on paper).
    pub fn without_signatures(mut self) -> Contract {
        self.0.resident_signature_png = None;
        self.0.doctor_signature_png = None;
        self
    }

    /// Signed by a guardian (监护人) with the relation stated, instead of a member.
    pub fn by_guardian(mut self, name: &str, relation: &str) -> Contract {
        self.0.guardian = Some(jiayi_api::GuardianSignatory {
            name: name.into(),
            relation: relation.into(),
            id_number: None,
        });
        self
    }

    /// Paid packages (by code) for the first member.
    pub fn paid_for_first(mut self, packages: &[&str]) -> Contract {
        if let Some(first) = self.0.members.first_mut() {
            first.paid_packages = packages.iter().map(|p| p.to_string()).collect();
        }
        self
    }

    pub fn request(self) -> SignRequest {
        self.0
    }

    /// Signs through the API.
    pub fn sign(self, api: &mut Api) -> ApiResult<SignOutcome> {
        api.sign_contract(&self.0)
    }
}

/// A hypertension follow-up of `resident` at home now, with blood pressure `bp` (systolic,
/// diastolic) and no notes; override the rest with `VisitRequest { notes, ..follow_up(…) }`.
pub fn follow_up(resident: Uuid, bp: (u16, u16)) -> VisitRequest {
    VisitRequest {
        resident_id: resident,
        item_code: Some("hypertension_follow_up".into()),
        kind: None,
        mode: VisitMode::Home,
        occurred_at: None,
        vitals: Vitals {
            systolic_mmhg: Some(bp.0),
            diastolic_mmhg: Some(bp.1),
            ..Vitals::default()
        },
        notes: String::new(),
        served_by: None,
        answers: Default::default(),
    }
}
