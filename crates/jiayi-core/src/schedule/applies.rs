//! Which of a package's items a covered member is owed at all, so that paper lists only those:
//! a three-year-old's child package without the newborn visit, a man's household package
//! without antenatal care, a follow-up only for the group it follows.
//!
//! The catalog already says it: an item's [`ItemSchedule`] names its anchor (birth, pregnancy,
//! delivery, a diagnosis or treatment of a group) and its windows. An item applies to a member
//! when the member has that anchor and, for windows counted from the birth, when one of them
//! still touches the term. Items spread over the term apply to every member of the package.
//! The frozen agreement keeps every item it was signed with; this only decides what is printed.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use crate::agreement::{CoveredMember, PackageTerms};
use crate::catalog::Catalog;
use crate::person::{PopulationGroup, Sex};
use crate::schedule::window::{Anchor, ItemSchedule};
use crate::term::Term;

/// What the rule needs to know of a member.
#[derive(Debug, Clone, Copy)]
pub struct MemberFacts<'a> {
    pub sex: Sex,
    pub birth_date: Option<NaiveDate>,
    pub groups: &'a [PopulationGroup],
}

impl<'a> From<&'a CoveredMember> for MemberFacts<'a> {
    fn from(m: &'a CoveredMember) -> Self {
        MemberFacts {
            sex: m.sex,
            birth_date: m.birth_date,
            groups: &m.groups,
        }
    }
}

/// Whether an item with this schedule is owed to the member during `term`.
pub fn item_applies(schedule: &ItemSchedule, member: &MemberFacts<'_>, term: &Term) -> bool {
    let in_group = |g: PopulationGroup| member.groups.contains(&g);
    match schedule.anchor {
        Anchor::Term => true,
        Anchor::Birth => match member.birth_date {
            // Unknown birth date: nothing shows the item is past.
            None => true,
            Some(_) if schedule.windows.is_empty() => true,
            Some(birth) => schedule.windows.iter().any(|w| {
                w.dates(birth)
                    .is_some_and(|(opens, closes)| closes >= term.start && opens <= term.end)
            }),
        },
        Anchor::Pregnancy => member.sex == Sex::Female && in_group(PopulationGroup::Pregnant),
        // A pregnant woman delivers within the term: her postpartum visits are owed too.
        Anchor::Delivery => {
            member.sex == Sex::Female
                && (in_group(PopulationGroup::Pregnant) || in_group(PopulationGroup::Postpartum))
        }
        Anchor::Diagnosis | Anchor::Treatment => schedule.group.is_none_or(in_group),
    }
}

/// The items of `packages` that no member holding their package is owed during `term`, as
/// `(package code, item code)`: what the agreement and the card leave out. Items the catalog
/// does not know (a catalog since replaced) are kept.
pub fn items_left_out(
    catalog: &Catalog,
    packages: &[PackageTerms],
    members: &[CoveredMember],
    term: &Term,
) -> BTreeSet<(String, String)> {
    let mut left_out = BTreeSet::new();
    for package in packages {
        let Ok(known) = catalog.effective_items(&package.code) else {
            continue;
        };
        let holders: Vec<&CoveredMember> = members
            .iter()
            .filter(|m| m.package_codes.contains(&package.code))
            .collect();
        for item in &package.items {
            let Some((_, catalog_item)) = known.iter().find(|(_, i)| i.code == item.code) else {
                continue;
            };
            let owed = holders
                .iter()
                .any(|m| item_applies(&catalog_item.schedule, &MemberFacts::from(*m), term));
            if !owed {
                left_out.insert((package.code.clone(), item.code.clone()));
            }
        }
    }
    left_out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::person::Relation;
    use crate::term::TermPolicy;
    use uuid::Uuid;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn year_2026() -> Term {
        Term {
            start: d(2026, 1, 1),
            end: d(2026, 12, 31),
            policy: TermPolicy::CalendarYear,
            auto_renew: true,
        }
    }

    fn member(
        sex: Sex,
        born: NaiveDate,
        groups: &[PopulationGroup],
        packages: &[&str],
    ) -> CoveredMember {
        CoveredMember {
            resident_id: Uuid::now_v7(),
            name: "成员".into(),
            sex,
            birth_date: Some(born),
            age: None,
            id_number: None,
            relation: Relation::Child,
            groups: groups.to_vec(),
            package_codes: packages.iter().map(|s| s.to_string()).collect(),
            record_number: None,
        }
    }

    fn packages(catalog: &Catalog, codes: &[&str]) -> Vec<PackageTerms> {
        codes
            .iter()
            .map(|code| {
                let p = catalog.package(code).unwrap();
                PackageTerms {
                    code: p.code.clone(),
                    name: p.name.clone(),
                    name_en: p.name_en.clone(),
                    kind: p.kind,
                    tier: p.tier,
                    description: p.description.clone(),
                    price: p.price,
                    items: catalog
                        .effective_items(code)
                        .unwrap()
                        .into_iter()
                        .map(|(_, i)| crate::agreement::ItemTerms {
                            code: i.code.clone(),
                            name: i.name.clone(),
                            name_en: i.name_en.clone(),
                            times_per_year: i.times_per_year,
                            content: i.content.clone(),
                        })
                        .collect(),
                }
            })
            .collect()
    }

    fn left_out(members: &[CoveredMember], codes: &[&str]) -> Vec<String> {
        let catalog = Catalog::default_catalog();
        items_left_out(&catalog, &packages(&catalog, codes), members, &year_2026())
            .into_iter()
            .map(|(_, item)| item)
            .collect()
    }

    #[test]
    fn a_three_year_old_keeps_the_child_checks_but_not_the_newborn_visit() {
        let child = member(
            Sex::Female,
            d(2023, 3, 5),
            &[PopulationGroup::Child0To6],
            &["basic_child"],
        );
        assert_eq!(left_out(&[child], &["basic_child"]), vec!["newborn_visit"]);
    }

    #[test]
    fn a_baby_born_in_the_term_is_owed_the_newborn_visit() {
        let baby = member(
            Sex::Male,
            d(2025, 12, 28),
            &[PopulationGroup::Child0To6],
            &["basic_child"],
        );
        assert!(
            left_out(&[baby], &["basic_child"]).is_empty(),
            "the newborn window reaches into 2026"
        );
    }

    #[test]
    fn maternal_items_follow_pregnancy_and_delivery() {
        let pregnant = member(
            Sex::Female,
            d(1996, 4, 1),
            &[PopulationGroup::Pregnant],
            &["basic_maternal"],
        );
        assert!(left_out(&[pregnant], &["basic_maternal"]).is_empty());
        let postpartum = member(
            Sex::Female,
            d(1996, 4, 1),
            &[PopulationGroup::Postpartum],
            &["basic_maternal"],
        );
        assert_eq!(
            left_out(&[postpartum], &["basic_maternal"]),
            vec!["antenatal_visit"]
        );
    }

    #[test]
    fn a_man_is_never_owed_antenatal_care() {
        let facts = MemberFacts {
            sex: Sex::Male,
            birth_date: Some(d(1990, 1, 1)),
            groups: &[PopulationGroup::Pregnant],
        };
        let catalog = Catalog::default_catalog();
        let antenatal = catalog
            .effective_items("basic_maternal")
            .unwrap()
            .into_iter()
            .find(|(_, i)| i.code == "antenatal_visit")
            .unwrap()
            .1;
        assert!(!item_applies(&antenatal.schedule, &facts, &year_2026()));
    }

    #[test]
    fn follow_ups_need_the_group_they_follow() {
        let hypertensive = member(
            Sex::Male,
            d(1950, 1, 1),
            &[PopulationGroup::Hypertension],
            &["basic_hypertension"],
        );
        assert!(left_out(&[hypertensive], &["basic_hypertension"]).is_empty());
        let not_any_more = member(Sex::Male, d(1950, 1, 1), &[], &["basic_hypertension"]);
        assert_eq!(
            left_out(&[not_any_more], &["basic_hypertension"]),
            vec!["hypertension_follow_up"]
        );
    }

    #[test]
    fn an_item_stays_when_any_holder_of_the_package_is_owed_it() {
        let older = member(
            Sex::Female,
            d(2022, 6, 1),
            &[PopulationGroup::Child0To6],
            &["basic_child"],
        );
        let baby = member(
            Sex::Male,
            d(2026, 2, 1),
            &[PopulationGroup::Child0To6],
            &["basic_child"],
        );
        assert!(left_out(&[older, baby], &["basic_child"]).is_empty());
    }

    #[test]
    fn items_spread_over_the_term_apply_to_everyone() {
        let adult = member(Sex::Male, d(1980, 1, 1), &[], &["basic_general"]);
        assert!(left_out(&[adult], &["basic_general"]).is_empty());
    }
}
