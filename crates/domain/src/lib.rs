//! # jifen-domain — roles, districts, the application form, its materials and workflow
//!
//! Pure types and checks shared by storage, the services, the web layer and the CLI. Each is written as a fixed word
//! in storage and JSON, with names in both languages for people.

pub mod application;
pub mod audit;
pub mod blacklist_rules;
pub mod clock;
pub mod form;
pub mod ids;
pub mod labels;
pub mod materials;
pub mod roster;
pub mod text;
pub mod verification;
pub mod workflow;
pub mod working_days;

use jifen_rules::Lang;
use serde::{Deserialize, Serialize};

macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $word:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word used in storage, URLs and JSON.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            pub fn parse(word: &str) -> Option<Self> {
                match word { $($word => Some($name::$variant),)+ _ => None }
            }

            pub fn name(self, lang: Lang) -> &'static str {
                match (self, lang) { $(($name::$variant, Lang::Zh) => $zh, ($name::$variant, Lang::En) => $en,)+ }
            }
        }
    };
}
pub(crate) use word_enum;

word_enum! {
    /// Who a user is in the system.
    Role {
        Admin = "admin", "系统管理员", "administrator";
        Clerk = "clerk", "受理人员", "district clerk";
        Reviewer = "reviewer", "审核人员", "district reviewer";
        Supervisor = "supervisor", "复核人员", "district supervisor";
        HrAgent = "hr_agent", "单位经办人", "employer HR agent";
        Applicant = "applicant", "持证人", "applicant";
    }
}

word_enum! {
    /// What an application asks for: points for the first time, their renewal at the
    /// permit's endorsement (续办), or a change of employer or of facts (变更).
    ApplicationKind {
        New = "new", "积分申请", "application";
        Renewal = "renewal", "积分续办", "renewal";
        Change = "change", "积分变更", "change";
    }
}

impl Role {
    /// District-centre staff belong to one district; others do not.
    pub fn is_district_staff(self) -> bool {
        matches!(self, Role::Clerk | Role::Reviewer | Role::Supervisor)
    }
}

word_enum! {
    /// Shanghai's 16 districts; an employer files at the centre of its registration district.
    District {
        Huangpu = "huangpu", "黄浦区", "Huangpu";
        Xuhui = "xuhui", "徐汇区", "Xuhui";
        Changning = "changning", "长宁区", "Changning";
        Jingan = "jingan", "静安区", "Jing'an";
        Putuo = "putuo", "普陀区", "Putuo";
        Hongkou = "hongkou", "虹口区", "Hongkou";
        Yangpu = "yangpu", "杨浦区", "Yangpu";
        Minhang = "minhang", "闵行区", "Minhang";
        Baoshan = "baoshan", "宝山区", "Baoshan";
        Jiading = "jiading", "嘉定区", "Jiading";
        Pudong = "pudong", "浦东新区", "Pudong New Area";
        Jinshan = "jinshan", "金山区", "Jinshan";
        Songjiang = "songjiang", "松江区", "Songjiang";
        Qingpu = "qingpu", "青浦区", "Qingpu";
        Fengxian = "fengxian", "奉贤区", "Fengxian";
        Chongming = "chongming", "崇明区", "Chongming";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_districts_and_six_roles_round_trip() {
        assert_eq!(District::ALL.len(), 16);
        assert_eq!(Role::ALL.len(), 6);
        for district in District::ALL {
            assert_eq!(District::parse(district.as_str()), Some(*district));
        }
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(*role));
        }
        assert_eq!(District::Pudong.name(Lang::Zh), "浦东新区");
        assert!(Role::Clerk.is_district_staff() && !Role::HrAgent.is_district_staff());
    }
}
