//! Cell values as rosters write them: sexes, relations to the head, population groups.

use jiayi_core::person::{PopulationGroup, Relation, Sex};

pub(super) fn parse_sex(text: &str) -> Option<Sex> {
    match text.trim().to_lowercase().as_str() {
        "男" | "男性" | "m" | "male" | "1" => Some(Sex::Male),
        "女" | "女性" | "f" | "female" | "2" => Some(Sex::Female),
        _ => None,
    }
}

/// The relation as rosters spell it; anything unknown is "other".
pub(super) fn parse_relation(text: &str) -> Relation {
    let t = text.trim().to_lowercase();
    let any = |list: &[&str]| list.iter().any(|w| t == *w);
    let has = |list: &[&str]| list.iter().any(|w| t.contains(w));
    if any(&["户主", "本人", "head", "self"]) {
        Relation::Head
    } else if any(&[
        "配偶", "妻", "妻子", "夫", "丈夫", "spouse", "wife", "husband",
    ]) {
        Relation::Spouse
    } else if has(&["儿媳", "女婿", "媳"]) || t == "child_in_law" {
        Relation::ChildInLaw
    } else if has(&["孙", "grandchild"]) {
        Relation::Grandchild
    } else if has(&["公公", "婆婆", "岳父", "岳母"]) || t == "parent_in_law" {
        Relation::ParentInLaw
    } else if has(&[
        "祖父",
        "祖母",
        "爷爷",
        "奶奶",
        "外公",
        "外婆",
        "grandparent",
    ]) {
        Relation::Grandparent
    } else if has(&["父", "母", "parent"]) {
        Relation::Parent
    } else if has(&["子", "女", "儿", "child"]) {
        Relation::Child
    } else if has(&["兄", "弟", "姐", "妹", "sibling"]) {
        Relation::Sibling
    } else {
        Relation::Other
    }
}

/// Population groups as rosters write them, separated by 、 , ; / or spaces. Age groups
/// and "general" are dropped (they follow from the birth date); unknown words are returned.
pub(super) fn parse_groups(text: &str) -> (Vec<String>, Vec<String>) {
    let mut codes = Vec::new();
    let mut unknown = Vec::new();
    for word in text
        .split(|c: char| "、,，;；/ 　|".contains(c))
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        let group = if let Some(g) = PopulationGroup::from_code(word) {
            Some(g)
        } else {
            let table: [(&[&str], Option<PopulationGroup>); 14] = [
                (&["普通", "一般", "无"], None),
                (&["老年", "65"], Some(PopulationGroup::Elderly65)),
                (&["儿童", "0-6"], Some(PopulationGroup::Child0To6)),
                (&["孕"], Some(PopulationGroup::Pregnant)),
                (&["产妇", "产后"], Some(PopulationGroup::Postpartum)),
                (&["高血压"], Some(PopulationGroup::Hypertension)),
                (&["糖尿病"], Some(PopulationGroup::Diabetes)),
                (&["精神"], Some(PopulationGroup::SevereMental)),
                (&["结核"], Some(PopulationGroup::Tuberculosis)),
                (&["残疾"], Some(PopulationGroup::Disabled)),
                (
                    &["贫困", "脱贫", "建档立卡", "监测户"],
                    Some(PopulationGroup::PovertyRegistered),
                ),
                (&["低保", "特困"], Some(PopulationGroup::LowIncome)),
                (
                    &["计生", "计划生育", "特扶"],
                    Some(PopulationGroup::FamilyPlanningSpecial),
                ),
                (&["独居", "空巢"], Some(PopulationGroup::LivingAlone)),
            ];
            match table
                .iter()
                .find(|(words, _)| words.iter().any(|w| word.contains(w)))
            {
                Some((_, g)) => *g,
                None if word.contains("卧床") => Some(PopulationGroup::Bedridden),
                None => {
                    unknown.push(word.to_string());
                    continue;
                }
            }
        };
        if let Some(g) = group
            && !g.is_derived()
            && !codes.contains(&g.code().to_string())
        {
            codes.push(g.code().to_string());
        }
    }
    (codes, unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relations_sexes_and_groups_as_rosters_write_them() {
        assert_eq!(parse_relation("户主"), Relation::Head);
        assert_eq!(parse_relation("妻子"), Relation::Spouse);
        assert_eq!(parse_relation("长子"), Relation::Child);
        assert_eq!(parse_relation("次女"), Relation::Child);
        assert_eq!(parse_relation("儿媳"), Relation::ChildInLaw);
        assert_eq!(parse_relation("孙女"), Relation::Grandchild);
        assert_eq!(parse_relation("母亲"), Relation::Parent);
        assert_eq!(parse_relation("岳母"), Relation::ParentInLaw);
        assert_eq!(parse_relation("奶奶"), Relation::Grandparent);
        assert_eq!(parse_relation("弟弟"), Relation::Sibling);
        assert_eq!(parse_relation("侄子"), Relation::Child);
        assert_eq!(parse_relation("邻居"), Relation::Other);
        assert_eq!(parse_sex("男"), Some(Sex::Male));
        assert_eq!(parse_sex("女"), Some(Sex::Female));
        assert_eq!(parse_sex("未知"), None);
        let (codes, unknown) = parse_groups("高血压、糖尿病，脱贫户 65岁以上老年人；火星人");
        assert_eq!(codes, ["hypertension", "diabetes", "poverty_registered"]);
        assert_eq!(unknown, ["火星人"]);
        assert_eq!(parse_groups("普通人群"), (vec![], vec![]));
        assert_eq!(parse_groups("计生特扶").0, ["family_planning_special"]);
    }
}
