//! The service package catalog (服务包目录). It is data, distributed by the township: the
//! catalog differs by county and year, so it is read from TOML, never written in code.
//!
//! Basic packages are free and chosen by population group; paid packages are voluntary and come
//! in tiers on a line (初级 ⊂ 中级 ⊂ 高级): a higher tier includes every item of the lower ones.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::person::PopulationGroup;
use crate::schedule::window::ItemSchedule;
use crate::visit::VisitKind;
use crate::{CoreError, Lang, Result};

/// The catalog that ships with the app, for a township that has not distributed its own.
pub const DEFAULT_CATALOG_TOML: &str = include_str!("../../../assets/catalog/default.toml");

/// Catalogs the app shipped as its default before, kept so contracts signed under them still
/// read their items on a device that never stored them.
const EARLIER_SHIPPED_TOML: [&str; 1] = [include_str!("../../../assets/catalog/2026.1.toml")];

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    pub version: String,
    pub region: String,
    #[serde(rename = "package")]
    pub packages: Vec<Package>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PackageKind {
    Basic,
    Paid,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Package {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub kind: PackageKind,
    /// Basic packages: the groups they are for; empty means every resident.
    /// Paid packages: the groups they are meant for (advice shown at signing, not a rule).
    #[serde(default)]
    pub groups: Vec<PopulationGroup>,
    /// Paid packages on the same line form tiers; tier 1 is the lowest.
    #[serde(default)]
    pub line: Option<String>,
    #[serde(default)]
    pub tier: Option<u8>,
    #[serde(default)]
    pub description: String,
    /// Price split in fen (1/100 yuan): what insurance, public-health funds and the resident pay.
    #[serde(default)]
    pub price: PriceSplit,
    #[serde(rename = "item", default)]
    pub items: Vec<ServiceItem>,
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceSplit {
    #[serde(default)]
    pub insurance_fen: i64,
    #[serde(default)]
    pub public_health_fen: i64,
    #[serde(default)]
    pub self_pay_fen: i64,
}

impl PriceSplit {
    pub fn total_fen(&self) -> i64 {
        self.insurance_fen + self.public_health_fen + self.self_pay_fen
    }
}

#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceItem {
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// How many times a year it is owed; 0 means "on need", never scheduled.
    pub times_per_year: u32,
    /// The kind of visit that fulfils it.
    pub visit_kind: VisitKind,
    #[serde(default)]
    pub content: String,
    /// What the item is anchored on and its windows; absent in old catalogs, which means the
    /// even spread of `times_per_year` over the term.
    #[serde(default, skip_serializing_if = "is_default_schedule")]
    #[ts(skip)]
    pub schedule: ItemSchedule,
    /// The national standard's service this item is, where an indicator counts that service and
    /// nothing else (the 65+ annual check, not any check). Absent for the other items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(skip)]
    pub standard: Option<StandardService>,
}

/// A service of the national basic public-health service standard (3rd edition) that an
/// indicator names. The catalog says which of its items delivers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StandardService {
    /// 老年人健康管理: the annual check of residents aged 65 and over (lifestyle and health
    /// assessment, physical examination, laboratory tests, guidance).
    ElderlyHealthCheck,
}

fn is_default_schedule(schedule: &ItemSchedule) -> bool {
    *schedule == ItemSchedule::default()
}

impl Catalog {
    /// Reads and checks a catalog.
    pub fn from_toml(text: &str) -> Result<Catalog> {
        let catalog: Catalog =
            toml::from_str(text).map_err(|e| CoreError::Catalog(e.to_string()))?;
        catalog.check()?;
        Ok(catalog)
    }

    pub fn default_catalog() -> Catalog {
        Catalog::from_toml(DEFAULT_CATALOG_TOML).expect("the shipped catalog is valid")
    }

    /// The catalog of this version the app ships (today's default or an earlier one).
    pub fn shipped(version: &str) -> Option<Catalog> {
        Catalog::all_shipped()
            .into_iter()
            .find(|c| c.version == version)
    }

    /// Every catalog the app ships: today's default first, then the earlier ones.
    pub fn all_shipped() -> Vec<Catalog> {
        std::iter::once(DEFAULT_CATALOG_TOML)
            .chain(EARLIER_SHIPPED_TOML)
            .filter_map(|text| Catalog::from_toml(text).ok())
            .collect()
    }

    fn check(&self) -> Result<()> {
        let mut codes = BTreeSet::new();
        for p in &self.packages {
            if !codes.insert(p.code.as_str()) {
                return Err(CoreError::Catalog(format!(
                    "package {} appears twice",
                    p.code
                )));
            }
            let mut items = BTreeSet::new();
            for item in &p.items {
                if !items.insert(item.code.as_str()) {
                    return Err(CoreError::Catalog(format!(
                        "{}: item {} appears twice",
                        p.code, item.code
                    )));
                }
                if let Some(problem) = item.schedule.problem() {
                    return Err(CoreError::Catalog(format!(
                        "{}: item {}: {problem}",
                        p.code, item.code
                    )));
                }
            }
            let price = p.price;
            if price.insurance_fen < 0 || price.public_health_fen < 0 || price.self_pay_fen < 0 {
                return Err(CoreError::Catalog(format!("{}: a negative price", p.code)));
            }
            match p.kind {
                PackageKind::Basic if price.self_pay_fen != 0 => {
                    return Err(CoreError::Catalog(format!(
                        "{}: basic packages are free to the resident",
                        p.code
                    )));
                }
                PackageKind::Paid if p.line.is_some() != p.tier.is_some() => {
                    return Err(CoreError::Catalog(format!(
                        "{}: a tier needs a line and a line needs a tier",
                        p.code
                    )));
                }
                _ => {}
            }
        }
        Ok(())
    }

    pub fn package(&self, code: &str) -> Result<&Package> {
        self.packages
            .iter()
            .find(|p| p.code == code)
            .ok_or_else(|| CoreError::UnknownPackage(code.to_string()))
    }

    /// The basic packages a resident in these groups receives: the general one plus each
    /// group's own.
    pub fn basic_packages_for(&self, groups: &[PopulationGroup]) -> Vec<&Package> {
        self.packages
            .iter()
            .filter(|p| p.kind == PackageKind::Basic)
            .filter(|p| p.groups.is_empty() || p.groups.iter().any(|g| groups.contains(g)))
            .collect()
    }

    pub fn paid_packages(&self) -> impl Iterator<Item = &Package> {
        self.packages.iter().filter(|p| p.kind == PackageKind::Paid)
    }

    /// Every service item a package brings, with the items of the lower tiers on its line.
    /// Where two tiers list the same item, the higher tier's frequency counts.
    pub fn effective_items(&self, code: &str) -> Result<Vec<(&Package, &ServiceItem)>> {
        let package = self.package(code)?;
        let mut chain: Vec<&Package> = vec![package];
        if let (Some(line), Some(tier)) = (&package.line, package.tier) {
            let mut lower: Vec<&Package> = self
                .packages
                .iter()
                .filter(|p| p.line.as_ref() == Some(line) && p.tier.is_some_and(|t| t < tier))
                .collect();
            lower.sort_by_key(|p| std::cmp::Reverse(p.tier));
            chain.extend(lower);
        }
        let mut seen = BTreeSet::new();
        let mut items = Vec::new();
        for p in chain {
            for item in &p.items {
                if seen.insert(item.code.as_str()) {
                    items.push((p, item));
                }
            }
        }
        Ok(items)
    }

    /// Picks the package for a chosen set: a lower tier of a line already chosen at a higher
    /// tier is dropped, because the higher one includes it.
    pub fn normalise_choice(&self, codes: &[String]) -> Result<Vec<String>> {
        let mut chosen: Vec<&Package> = Vec::new();
        for code in codes {
            let p = self.package(code)?;
            if !chosen.iter().any(|c| c.code == p.code) {
                chosen.push(p);
            }
        }
        let kept: Vec<String> = chosen
            .iter()
            .filter(|p| {
                !chosen.iter().any(|other| {
                    other.line.is_some()
                        && other.line == p.line
                        && other.tier.unwrap_or(0) > p.tier.unwrap_or(0)
                })
            })
            .map(|p| p.code.clone())
            .collect();
        Ok(kept)
    }
}

impl Package {
    pub fn display_name(&self, lang: Lang) -> &str {
        lang.pick(&self.name, &self.name_en)
    }
}

impl ServiceItem {
    pub fn display_name(&self, lang: Lang) -> &str {
        lang.pick(&self.name, &self.name_en)
    }
}

/// Formats fen as yuan with two decimals ("120.00").
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.abs();
    format!("{sign}{}.{:02}", fen / 100, fen % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalog_is_valid_and_realistic() {
        let c = Catalog::default_catalog();
        let item = |pkg: &str, item: &str| {
            c.package(pkg)
                .unwrap()
                .items
                .iter()
                .find(|i| i.code == item)
                .cloned()
                .unwrap()
        };
        assert_eq!(
            item("basic_hypertension", "hypertension_follow_up").times_per_year,
            4
        );
        assert_eq!(
            item("basic_diabetes", "diabetes_follow_up").times_per_year,
            4
        );
        assert_eq!(
            item("basic_elderly", "elderly_health_check").times_per_year,
            1
        );
        assert!(
            c.basic_packages_for(&[])
                .iter()
                .all(|p| p.groups.is_empty())
        );
        let for_elderly: Vec<_> = c
            .basic_packages_for(&[PopulationGroup::Elderly65])
            .iter()
            .map(|p| p.code.clone())
            .collect();
        assert!(for_elderly.contains(&"basic_general".to_string()));
        assert!(for_elderly.contains(&"basic_elderly".to_string()));
        for p in c.paid_packages() {
            assert!(p.price.total_fen() > 0, "{} has no price", p.code);
        }
    }

    #[test]
    fn a_higher_tier_includes_the_lower_ones() {
        let c = Catalog::default_catalog();
        let low: BTreeSet<_> = c
            .effective_items("paid_chronic_1")
            .unwrap()
            .iter()
            .map(|(_, i)| i.code.clone())
            .collect();
        let high: BTreeSet<_> = c
            .effective_items("paid_chronic_3")
            .unwrap()
            .iter()
            .map(|(_, i)| i.code.clone())
            .collect();
        assert!(
            low.is_subset(&high) && low.len() < high.len(),
            "{low:?} vs {high:?}"
        );
        let choice = c
            .normalise_choice(&[
                "paid_chronic_1".into(),
                "paid_chronic_3".into(),
                "paid_chronic_1".into(),
            ])
            .unwrap();
        assert_eq!(choice, vec!["paid_chronic_3".to_string()]);
    }

    #[test]
    fn bad_catalogs_are_refused_with_the_reason() {
        let table = [
            ("not toml [", "expected"),
            (
                "version='1'\nregion='x'\n[[package]]\ncode='a'\nname='a'\nname_en='a'\nkind='basic'\n[package.price]\nself_pay_fen=100\n",
                "free",
            ),
            (
                "version='1'\nregion='x'\n[[package]]\ncode='a'\nname='a'\nname_en='a'\nkind='paid'\n[[package]]\ncode='a'\nname='a'\nname_en='a'\nkind='paid'\n",
                "twice",
            ),
        ];
        for (text, why) in table {
            let err = Catalog::from_toml(text).unwrap_err();
            assert!(err.to_string().contains(why), "{err}");
        }
    }

    #[test]
    fn yuan_formats_fen() {
        assert_eq!(yuan(12000), "120.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(-150), "-1.50");
    }
}
