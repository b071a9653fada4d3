//! The indicators, their names, their formulas in words, and the township's targets.

use serde::{Deserialize, Serialize};

use crate::Lang;
use crate::person::PopulationGroup;

/// One indicator. Codes are stable (files, the API, the CLI's `--indicator`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IndicatorKind {
    /// 签约率: signed residents / residents.
    Signing,
    /// 户签约率: households with a signed member / households.
    HouseholdSigning,
    /// Residents in any key group.
    KeyGroupSigning,
    /// Residents with hypertension or type 2 diabetes.
    KeyChronicSigning,
    /// Residents in any special group.
    SpecialGroupSigning,
    /// One population group.
    GroupSigning(PopulationGroup),
    /// 履约率: occurrences delivered / occurrences due in the period.
    Fulfilment,
    /// Patients under management in the area (signed or not).
    HypertensionStandardManagement,
    HypertensionControl,
    DiabetesStandardManagement,
    DiabetesControl,
    /// The same four over the signed patients only, reported beside them.
    HypertensionStandardManagementSigned,
    HypertensionControlSigned,
    DiabetesStandardManagementSigned,
    DiabetesControlSigned,
    /// 65+ health management rate: elderly with the 65+ annual check / resident elderly.
    ElderlyHealthManagement,
    /// 续约率: residents whose term ran out in the period and who were covered the day after.
    Renewal,
    /// Signed households served in the period; those not served are the 只签不约 list.
    ContractsServed,
    /// 双向转诊: referrals out in the period that came back (回转) by the as-of day.
    ReferralsReturned,
    /// Signed households surveyed in the contract year in force on the as-of day.
    SurveyCoverage,
    /// 满意度: households surveyed in the period whose answers average at least 基本满意.
    Satisfaction,
}

impl IndicatorKind {
    /// Every indicator, in the order reports show them.
    pub fn all() -> Vec<IndicatorKind> {
        let mut all = vec![
            IndicatorKind::Signing,
            IndicatorKind::HouseholdSigning,
            IndicatorKind::KeyGroupSigning,
            IndicatorKind::KeyChronicSigning,
            IndicatorKind::SpecialGroupSigning,
        ];
        all.extend(PopulationGroup::ALL.map(IndicatorKind::GroupSigning));
        all.extend([
            IndicatorKind::Fulfilment,
            IndicatorKind::HypertensionStandardManagement,
            IndicatorKind::HypertensionControl,
            IndicatorKind::DiabetesStandardManagement,
            IndicatorKind::DiabetesControl,
            IndicatorKind::HypertensionStandardManagementSigned,
            IndicatorKind::HypertensionControlSigned,
            IndicatorKind::DiabetesStandardManagementSigned,
            IndicatorKind::DiabetesControlSigned,
            IndicatorKind::ElderlyHealthManagement,
            IndicatorKind::Renewal,
            IndicatorKind::ContractsServed,
            IndicatorKind::ReferralsReturned,
            IndicatorKind::SurveyCoverage,
            IndicatorKind::Satisfaction,
        ]);
        all
    }

    /// Position in [`IndicatorKind::all`], for dense tables.
    pub(crate) fn index(self) -> usize {
        let groups = PopulationGroup::ALL.len();
        match self {
            IndicatorKind::Signing => 0,
            IndicatorKind::HouseholdSigning => 1,
            IndicatorKind::KeyGroupSigning => 2,
            IndicatorKind::KeyChronicSigning => 3,
            IndicatorKind::SpecialGroupSigning => 4,
            IndicatorKind::GroupSigning(g) => {
                5 + PopulationGroup::ALL
                    .iter()
                    .position(|x| *x == g)
                    .unwrap_or(0)
            }
            IndicatorKind::Fulfilment => 5 + groups,
            IndicatorKind::HypertensionStandardManagement => 6 + groups,
            IndicatorKind::HypertensionControl => 7 + groups,
            IndicatorKind::DiabetesStandardManagement => 8 + groups,
            IndicatorKind::DiabetesControl => 9 + groups,
            IndicatorKind::HypertensionStandardManagementSigned => 10 + groups,
            IndicatorKind::HypertensionControlSigned => 11 + groups,
            IndicatorKind::DiabetesStandardManagementSigned => 12 + groups,
            IndicatorKind::DiabetesControlSigned => 13 + groups,
            IndicatorKind::ElderlyHealthManagement => 14 + groups,
            IndicatorKind::Renewal => 15 + groups,
            IndicatorKind::ContractsServed => 16 + groups,
            IndicatorKind::ReferralsReturned => 17 + groups,
            IndicatorKind::SurveyCoverage => 18 + groups,
            IndicatorKind::Satisfaction => 19 + groups,
        }
    }

    pub(crate) const COUNT: usize = 20 + PopulationGroup::ALL.len();

    pub fn code(self) -> String {
        match self {
            IndicatorKind::Signing => "signing".into(),
            IndicatorKind::HouseholdSigning => "signing_households".into(),
            IndicatorKind::KeyGroupSigning => "signing_key_groups".into(),
            IndicatorKind::KeyChronicSigning => "signing_key_chronic".into(),
            IndicatorKind::SpecialGroupSigning => "signing_special_groups".into(),
            IndicatorKind::GroupSigning(g) => format!("signing.{}", g.code()),
            IndicatorKind::Fulfilment => "fulfilment".into(),
            IndicatorKind::HypertensionStandardManagement => {
                "hypertension_standard_management".into()
            }
            IndicatorKind::HypertensionControl => "hypertension_control".into(),
            IndicatorKind::DiabetesStandardManagement => "diabetes_standard_management".into(),
            IndicatorKind::DiabetesControl => "diabetes_control".into(),
            IndicatorKind::HypertensionStandardManagementSigned => {
                "hypertension_standard_management.signed".into()
            }
            IndicatorKind::HypertensionControlSigned => "hypertension_control.signed".into(),
            IndicatorKind::DiabetesStandardManagementSigned => {
                "diabetes_standard_management.signed".into()
            }
            IndicatorKind::DiabetesControlSigned => "diabetes_control.signed".into(),
            IndicatorKind::ElderlyHealthManagement => "elderly_health_management".into(),
            IndicatorKind::Renewal => "renewal".into(),
            IndicatorKind::ContractsServed => "contracts_served".into(),
            IndicatorKind::ReferralsReturned => "referrals_returned".into(),
            IndicatorKind::SurveyCoverage => "survey_coverage".into(),
            IndicatorKind::Satisfaction => "satisfaction".into(),
        }
    }

    pub fn from_code(code: &str) -> Option<IndicatorKind> {
        let code = code.trim();
        IndicatorKind::all().into_iter().find(|k| k.code() == code)
    }

    /// Signing indicators count residents (or households) on the as-of day.
    pub fn is_signing(self) -> bool {
        matches!(
            self,
            IndicatorKind::Signing
                | IndicatorKind::HouseholdSigning
                | IndicatorKind::KeyGroupSigning
                | IndicatorKind::KeyChronicSigning
                | IndicatorKind::SpecialGroupSigning
                | IndicatorKind::GroupSigning(_)
        )
    }

    pub fn name(self, lang: Lang) -> String {
        let (zh, en) = match self {
            IndicatorKind::GroupSigning(g) => {
                return match lang {
                    Lang::Zh => format!("{}签约率", g.label(lang)),
                    Lang::En => format!("signing rate: {}", g.label(lang)),
                };
            }
            IndicatorKind::Signing => ("签约率", "signing rate"),
            IndicatorKind::HouseholdSigning => ("户签约率", "household signing rate"),
            IndicatorKind::KeyGroupSigning => ("重点人群签约率", "key-group signing rate"),
            IndicatorKind::KeyChronicSigning => ("重点慢病人群签约率", "key chronic signing rate"),
            IndicatorKind::SpecialGroupSigning => ("特殊人群签约率", "special-group signing rate"),
            IndicatorKind::Fulfilment => ("履约率", "fulfilment rate"),
            IndicatorKind::HypertensionStandardManagement => (
                "高血压患者规范管理率",
                "hypertension standard management rate",
            ),
            IndicatorKind::HypertensionControl => {
                ("高血压患者血压控制率", "hypertension control rate")
            }
            IndicatorKind::DiabetesStandardManagement => (
                "2型糖尿病患者规范管理率",
                "diabetes standard management rate",
            ),
            IndicatorKind::DiabetesControl => ("2型糖尿病患者血糖控制率", "diabetes control rate"),
            IndicatorKind::HypertensionStandardManagementSigned => (
                "签约高血压患者规范管理率",
                "hypertension standard management rate, signed patients",
            ),
            IndicatorKind::HypertensionControlSigned => (
                "签约高血压患者血压控制率",
                "hypertension control rate, signed patients",
            ),
            IndicatorKind::DiabetesStandardManagementSigned => (
                "签约2型糖尿病患者规范管理率",
                "diabetes standard management rate, signed patients",
            ),
            IndicatorKind::DiabetesControlSigned => (
                "签约2型糖尿病患者血糖控制率",
                "diabetes control rate, signed patients",
            ),
            IndicatorKind::ElderlyHealthManagement => {
                ("65岁及以上老年人健康管理率", "65+ health management rate")
            }
            IndicatorKind::Renewal => ("续约率", "renewal rate"),
            IndicatorKind::ContractsServed => (
                "签约户服务率（未服务即只签不约）",
                "signed households served (the rest: signed but not served)",
            ),
            IndicatorKind::ReferralsReturned => ("转诊回转率", "referrals returned"),
            IndicatorKind::SurveyCoverage => ("满意度调查覆盖率", "satisfaction survey coverage"),
            IndicatorKind::Satisfaction => ("签约居民满意度", "satisfaction"),
        };
        lang.pick(zh, en).to_string()
    }

    /// The formula in words, shown next to the figure.
    pub fn formula(self, lang: Lang) -> String {
        let signed_zh = "统计日在有效签约期内的";
        let signed_en = "covered by a contract on the as-of day";
        match self {
            IndicatorKind::Signing => lang
                .pick(
                    "签约率 = 统计日在有效签约期内的居民数 ÷ 统计日在册居民数",
                    "signing rate = residents covered by a contract on the as-of day ÷ residents on the register on the as-of day",
                )
                .into(),
            IndicatorKind::HouseholdSigning => lang
                .pick(
                    "户签约率 = 统计日至少一名成员在有效签约期内的户数 ÷ 在册户数",
                    "household signing rate = households with at least one member covered on the as-of day ÷ households on the register",
                )
                .into(),
            IndicatorKind::KeyGroupSigning => match lang {
                Lang::Zh => format!(
                    "重点人群签约率 = {signed_zh}重点人群居民数 ÷ 统计日重点人群居民数（老年人、儿童、孕产妇、慢病、严重精神障碍、肺结核，年龄按统计日计算）"
                ),
                Lang::En => format!(
                    "key-group signing rate = key-group residents {signed_en} ÷ key-group residents (elderly, children, pregnant and postpartum, chronic, severe mental, tuberculosis; ages on the as-of day)"
                ),
            },
            IndicatorKind::KeyChronicSigning => match lang {
                Lang::Zh => format!(
                    "重点慢病人群签约率 = {signed_zh}高血压或2型糖尿病患者数 ÷ 高血压或2型糖尿病患者数"
                ),
                Lang::En => format!(
                    "key chronic signing rate = residents with hypertension or type 2 diabetes {signed_en} ÷ residents with hypertension or type 2 diabetes"
                ),
            },
            IndicatorKind::SpecialGroupSigning => match lang {
                Lang::Zh => format!("特殊人群签约率 = {signed_zh}特殊人群居民数 ÷ 特殊人群居民数"),
                Lang::En => format!(
                    "special-group signing rate = special-group residents {signed_en} ÷ special-group residents"
                ),
            },
            IndicatorKind::GroupSigning(g) => match lang {
                Lang::Zh => format!(
                    "{0}签约率 = {signed_zh}{0}数 ÷ 统计日{0}数",
                    g.label(Lang::Zh)
                ),
                Lang::En => format!(
                    "signing rate ({0}) = residents in the group {signed_en} ÷ residents in the group on the as-of day",
                    g.label(Lang::En)
                ),
            },
            IndicatorKind::Fulfilment => lang
                .pick(
                    "履约率 = 期内到期且已完成的服务项次 ÷ 期内到期的服务项次（到期 = 某项服务第k次的截止日落在期内且当日仍在签约期；完成 = 签约期开始至统计日该项服务记录次数 ≥ k）",
                    "fulfilment rate = occurrences due in the period that were delivered ÷ occurrences due in the period (due: the deadline of the k-th occurrence falls in the period while the contract still covers; delivered: at least k visits for that item from the term's start to the as-of day)",
                )
                .into(),
            IndicatorKind::HypertensionStandardManagement
            | IndicatorKind::DiabetesStandardManagement
            | IndicatorKind::HypertensionStandardManagementSigned
            | IndicatorKind::DiabetesStandardManagementSigned => {
                let (patient_zh, patient_en) = self.patients();
                match lang {
                    Lang::Zh => format!(
                        "{} = 统计日前12个月内面对面随访（入户或门诊，不含电话；同日多次计一次）达到规范要求次数的{patient_zh}数 ÷ 统计日{patient_zh}数（规范要求：每年4次；年内新确诊的，自确诊日起每满或不满一个季度（91天）1次，最多4次）",
                        self.name(lang)
                    ),
                    Lang::En => format!(
                        "{} = {patient_en} with the face-to-face follow-ups the standard asks (home or clinic, not phone; one per day) in the 12 months to the as-of day ÷ {patient_en} on the as-of day (the standard asks 4 a year; a patient diagnosed within the 12 months owes one per started quarter of 91 days since the diagnosis, at most 4)",
                        self.name(lang)
                    ),
                }
            }
            IndicatorKind::HypertensionControl
            | IndicatorKind::DiabetesControl
            | IndicatorKind::HypertensionControlSigned
            | IndicatorKind::DiabetesControlSigned => {
                let (patient_zh, patient_en) = self.patients();
                let hypertension = matches!(
                    self,
                    IndicatorKind::HypertensionControl | IndicatorKind::HypertensionControlSigned
                );
                let (reading_zh, reading_en) = if hypertension {
                    ("血压 < 140/90 mmHg", "BP < 140/90 mmHg")
                } else {
                    ("空腹血糖 < 7.0 mmol/L", "fasting glucose < 7.0 mmol/L")
                };
                match lang {
                    Lang::Zh => format!(
                        "{} = 统计日前12个月内最近一次有测量值的随访{reading_zh}的{patient_zh}数 ÷ 统计日{patient_zh}数",
                        self.name(lang)
                    ),
                    Lang::En => format!(
                        "{} = {patient_en} whose last follow-up with a reading in the 12 months to the as-of day had {reading_en} ÷ {patient_en} on the as-of day",
                        self.name(lang)
                    ),
                }
            }
            IndicatorKind::ElderlyHealthManagement => lang
                .pick(
                    "65岁及以上老年人健康管理率 = 统计日前12个月内接受过老年人年度健康体检（目录中标为该项服务的项目，或未关联服务项目的健康体检；不含慢病年度体检等其他项目的体检）的居民数 ÷ 统计日65岁及以上在册居民数",
                    "65+ health management rate = residents aged 65+ who had the 65+ annual health check (the catalog item marked as that service, or a health check recorded without an item; not the checks of other items such as the chronic annual checks) in the 12 months to the as-of day ÷ residents aged 65+ on the register on the as-of day",
                )
                .into(),
            IndicatorKind::Renewal => lang
                .pick(
                    "续约率 = 期内签约期届满（自然到期，不含中途解约）且次日已由签约（自动续约、续签或新签）覆盖的居民数 ÷ 期内签约期届满、次日仍在册（未死亡、未迁出）的居民数（次日须不晚于报表日）",
                    "renewal rate = residents whose term ran its course in the period and who were covered (automatic renewal, renewal or a new contract) the day after ÷ residents whose term ran its course in the period and who were still on the register the day after (that day no later than the report's day)",
                )
                .into(),
            IndicatorKind::ContractsServed => lang
                .pick(
                    "签约户服务率 = 期内（自期初或签约日起至统计日）至少一名签约成员接受过一次服务的签约户数 ÷ 统计日在有效签约期内、签约满30天的签约户数；未服务的签约户即“只签不约”名单",
                    "signed households served = signed households with at least one service to a covered member in the period (from the period's start or the signing, to the as-of day) ÷ households covered on the as-of day whose contract is at least 30 days old; the households not served are the signed-but-not-served (只签不约) list",
                )
                .into(),
            IndicatorKind::ReferralsReturned => lang
                .pick(
                    "转诊回转率 = 期内（期初至统计日）转出、统计日前已回转的转诊人次 ÷ 期内转出的转诊人次",
                    "referrals returned = referrals out in the period (its first day to the as-of day) that came back by the as-of day ÷ referrals out in the period",
                )
                .into(),
            IndicatorKind::SurveyCoverage => lang
                .pick(
                    "满意度调查覆盖率 = 统计日有效签约户中、当前签约年度内已做满意度调查的户数 ÷ 统计日有效签约户数",
                    "satisfaction survey coverage = households covered on the as-of day surveyed in the contract year in force ÷ households covered on the as-of day",
                )
                .into(),
            IndicatorKind::Satisfaction => lang
                .pick(
                    "签约居民满意度 = 期内接受调查、总体评价为满意或基本满意（得分 ≥ 50 分）的户数 ÷ 期内接受调查的户数（同一签约年度重复调查只计最早一次）",
                    "satisfaction = households surveyed in the period whose answers average at least 基本满意 (a score of 50 or more of 100) ÷ households surveyed in the period (a household surveyed twice in one contract year counts once, by its first survey)",
                )
                .into(),
        }
    }
}

impl IndicatorKind {
    /// Who a management or control rate counts: the patients under management in the area, or
    /// the signed ones among them.
    fn patients(self) -> (&'static str, &'static str) {
        use IndicatorKind as K;
        match self {
            K::HypertensionStandardManagement | K::HypertensionControl => {
                ("在册高血压患者", "hypertension patients on the register")
            }
            K::HypertensionStandardManagementSigned | K::HypertensionControlSigned => {
                ("签约高血压患者", "signed hypertension patients")
            }
            K::DiabetesStandardManagementSigned | K::DiabetesControlSigned => {
                ("签约2型糖尿病患者", "signed type 2 diabetes patients")
            }
            _ => (
                "在册2型糖尿病患者",
                "type 2 diabetes patients on the register",
            ),
        }
    }
}

impl Serialize for IndicatorKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.code())
    }
}

impl<'de> Deserialize<'de> for IndicatorKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        IndicatorKind::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown indicator '{code}'")))
    }
}

/// The township's targets, as fractions (0.9 = 90%). None: no target for that figure.
/// Defaults are those of the county plans (DOMAIN.md).
#[derive(ts_rs::TS)]
#[ts(export)]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
// Stored as JSON on the device and on the township server. Keys are snake_case; the camelCase
// aliases read targets stored before the keys changed.
#[serde(rename_all = "snake_case", default)]
pub struct Targets {
    pub signing: Option<f64>,
    pub households: Option<f64>,
    /// Each key group, and the key groups together (chronic ones excepted).
    #[serde(alias = "keyGroups")]
    pub key_groups: Option<f64>,
    /// Hypertension, type 2 diabetes, and both together.
    #[serde(alias = "keyChronic")]
    pub key_chronic: Option<f64>,
    #[serde(alias = "specialGroups")]
    pub special_groups: Option<f64>,
    #[serde(alias = "povertyRegistered")]
    pub poverty_registered: Option<f64>,
    #[serde(alias = "familyPlanningSpecial")]
    pub family_planning_special: Option<f64>,
    pub fulfilment: Option<f64>,
    #[serde(alias = "standardManagement")]
    pub standard_management: Option<f64>,
    pub control: Option<f64>,
    #[serde(alias = "elderlyHealthManagement")]
    pub elderly_health_management: Option<f64>,
    pub renewal: Option<f64>,
    pub contracts_served: Option<f64>,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            signing: Some(0.30),
            households: Some(0.80),
            key_groups: Some(0.60),
            key_chronic: Some(0.90),
            special_groups: None,
            poverty_registered: Some(1.0),
            family_planning_special: Some(1.0),
            fulfilment: Some(0.90),
            standard_management: None,
            control: None,
            elderly_health_management: None,
            renewal: None,
            contracts_served: None,
        }
    }
}

impl Targets {
    /// Keys accepted by [`Targets::set`], in the order they are listed.
    pub const KEYS: [&'static str; 13] = [
        "signing",
        "households",
        "key_groups",
        "key_chronic",
        "special_groups",
        "poverty_registered",
        "family_planning_special",
        "fulfilment",
        "standard_management",
        "control",
        "elderly_health_management",
        "renewal",
        "contracts_served",
    ];

    fn slot(&mut self, key: &str) -> Option<&mut Option<f64>> {
        Some(match key.trim() {
            "signing" => &mut self.signing,
            "households" => &mut self.households,
            "key_groups" => &mut self.key_groups,
            "key_chronic" => &mut self.key_chronic,
            "special_groups" => &mut self.special_groups,
            "poverty_registered" => &mut self.poverty_registered,
            "family_planning_special" => &mut self.family_planning_special,
            "fulfilment" => &mut self.fulfilment,
            "standard_management" => &mut self.standard_management,
            "control" => &mut self.control,
            "elderly_health_management" => &mut self.elderly_health_management,
            "renewal" => &mut self.renewal,
            "contracts_served" => &mut self.contracts_served,
            _ => return None,
        })
    }

    pub fn get(&self, key: &str) -> Option<Option<f64>> {
        let mut copy = *self;
        copy.slot(key).map(|v| *v)
    }

    /// Sets one target (a fraction in 0..=1, or none). False when the key or value is not
    /// acceptable; nothing changes then.
    pub fn set(&mut self, key: &str, value: Option<f64>) -> bool {
        if value.is_some_and(|v| !(v.is_finite() && (0.0..=1.0).contains(&v))) {
            return false;
        }
        match self.slot(key) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        }
    }

    /// Whether every target is a fraction in 0..=1.
    pub fn is_valid(&self) -> bool {
        Targets::KEYS.iter().all(|k| {
            self.get(k)
                .flatten()
                .is_none_or(|v| v.is_finite() && (0.0..=1.0).contains(&v))
        })
    }

    /// The target of an indicator.
    pub fn for_kind(&self, kind: IndicatorKind) -> Option<f64> {
        use PopulationGroup as G;
        match kind {
            IndicatorKind::Signing => self.signing,
            IndicatorKind::HouseholdSigning => self.households,
            IndicatorKind::KeyGroupSigning => self.key_groups,
            IndicatorKind::KeyChronicSigning => self.key_chronic,
            IndicatorKind::SpecialGroupSigning => self.special_groups,
            IndicatorKind::GroupSigning(G::Hypertension | G::Diabetes) => self.key_chronic,
            IndicatorKind::GroupSigning(G::PovertyRegistered) => self.poverty_registered,
            IndicatorKind::GroupSigning(G::FamilyPlanningSpecial) => self.family_planning_special,
            IndicatorKind::GroupSigning(g) if g.is_key() => self.key_groups,
            IndicatorKind::GroupSigning(_) => self.special_groups,
            IndicatorKind::Fulfilment => self.fulfilment,
            IndicatorKind::HypertensionStandardManagement
            | IndicatorKind::DiabetesStandardManagement => self.standard_management,
            IndicatorKind::HypertensionControl | IndicatorKind::DiabetesControl => self.control,
            IndicatorKind::HypertensionStandardManagementSigned
            | IndicatorKind::DiabetesStandardManagementSigned => self.standard_management,
            IndicatorKind::HypertensionControlSigned | IndicatorKind::DiabetesControlSigned => {
                self.control
            }
            IndicatorKind::ElderlyHealthManagement => self.elderly_health_management,
            IndicatorKind::Renewal => self.renewal,
            IndicatorKind::ContractsServed => self.contracts_served,
            IndicatorKind::ReferralsReturned
            | IndicatorKind::SurveyCoverage
            | IndicatorKind::Satisfaction => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_index_is_dense() {
        let all = IndicatorKind::all();
        assert_eq!(all.len(), IndicatorKind::COUNT);
        for (i, k) in all.iter().enumerate() {
            assert_eq!(k.index(), i, "{k:?}");
            assert_eq!(IndicatorKind::from_code(&k.code()), Some(*k));
            let json = serde_json::to_string(k).unwrap();
            assert_eq!(serde_json::from_str::<IndicatorKind>(&json).unwrap(), *k);
            for lang in [Lang::Zh, Lang::En] {
                assert!(!k.name(lang).is_empty());
                assert!(k.formula(lang).contains('÷'), "{k:?} {lang:?}");
            }
        }
    }

    #[test]
    fn default_targets_follow_the_plans() {
        let t = Targets::default();
        assert_eq!(t.for_kind(IndicatorKind::Signing), Some(0.30));
        assert_eq!(
            t.for_kind(IndicatorKind::GroupSigning(PopulationGroup::Elderly65)),
            Some(0.60)
        );
        assert_eq!(
            t.for_kind(IndicatorKind::GroupSigning(PopulationGroup::Diabetes)),
            Some(0.90)
        );
        assert_eq!(
            t.for_kind(IndicatorKind::GroupSigning(
                PopulationGroup::FamilyPlanningSpecial
            )),
            Some(1.0)
        );
        assert_eq!(
            t.for_kind(IndicatorKind::GroupSigning(PopulationGroup::Disabled)),
            None
        );
        assert_eq!(t.for_kind(IndicatorKind::Fulfilment), Some(0.90));
        assert_eq!(t.for_kind(IndicatorKind::HouseholdSigning), Some(0.80));
    }

    #[test]
    fn targets_are_set_by_key_within_range() {
        let mut t = Targets::default();
        assert!(t.set("fulfilment", Some(0.95)));
        assert_eq!(t.fulfilment, Some(0.95));
        assert!(!t.set("fulfilment", Some(95.0)));
        assert!(!t.set("nonsense", Some(0.5)));
        assert!(t.set("control", None));
        assert_eq!(t.get("fulfilment"), Some(Some(0.95)));
        assert!(t.is_valid());
        let json = serde_json::to_value(t).unwrap();
        assert_eq!(json["fulfilment"], 0.95);
        // Missing keys take the defaults, so stored targets survive new indicators.
        let partial: Targets = serde_json::from_str(r#"{"signing": 0.5}"#).unwrap();
        assert_eq!(partial.signing, Some(0.5));
        assert_eq!(partial.fulfilment, Some(0.90));
    }

    #[test]
    fn targets_are_stored_in_snake_case_and_read_either_way() {
        let mut t = Targets::default();
        assert!(t.set("key_chronic", Some(0.85)));
        assert!(t.set("elderly_health_management", Some(0.7)));
        let json = serde_json::to_value(t).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        let mut expected = Targets::KEYS.to_vec();
        expected.sort_unstable();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted, expected,
            "one key per target, spelled as Targets::KEYS"
        );
        assert_eq!(serde_json::from_value::<Targets>(json).unwrap(), t);
        // Targets stored with the earlier camelCase keys still load.
        let old: Targets = serde_json::from_str(
            r#"{"signing": 0.35, "households": 0.8, "keyGroups": 0.65, "keyChronic": 0.95,
                "specialGroups": 0.5, "povertyRegistered": 0.99, "familyPlanningSpecial": 0.98,
                "fulfilment": 0.9, "standardManagement": 0.6, "control": 0.4,
                "elderlyHealthManagement": null}"#,
        )
        .unwrap();
        assert_eq!(
            old,
            Targets {
                signing: Some(0.35),
                households: Some(0.8),
                key_groups: Some(0.65),
                key_chronic: Some(0.95),
                special_groups: Some(0.5),
                poverty_registered: Some(0.99),
                family_planning_special: Some(0.98),
                fulfilment: Some(0.9),
                standard_management: Some(0.6),
                control: Some(0.4),
                elderly_health_management: None,
                renewal: None,
                contracts_served: None,
            }
        );
    }
}
