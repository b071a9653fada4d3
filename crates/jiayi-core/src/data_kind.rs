//! Demo data and real data never meet. The demo township exists for training; the township
//! server's figures decide what doctors are paid. A demo store therefore syncs only with a
//! server that is itself a demo, and a real store never with one (a training server is no place
//! for real residents' records). The device and the server both apply this one rule.

use serde::{Deserialize, Serialize};

/// Whether a store or a server holds the demo township or real work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataKind {
    #[default]
    Real,
    Demo,
}

impl DataKind {
    /// The value a device sends in [`DATA_KIND_HEADER`].
    pub fn as_str(self) -> &'static str {
        match self {
            DataKind::Real => "real",
            DataKind::Demo => "demo",
        }
    }

    /// What a device's header says. A device from before the header existed sends none: its
    /// store holds real work.
    pub fn from_header(value: Option<&str>) -> DataKind {
        match value.map(str::trim) {
            Some(v) if v.eq_ignore_ascii_case("demo") => DataKind::Demo,
            _ => DataKind::Real,
        }
    }

    pub fn is_demo(self) -> bool {
        self == DataKind::Demo
    }
}

/// The request header a device states its store's kind in.
pub const DATA_KIND_HEADER: &str = "x-jiayi-data";

/// A store and a server of different kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindMismatch {
    /// A demo store offered to the real township server.
    DemoStoreOnRealServer,
    /// A real store offered to a demo server.
    RealStoreOnDemoServer,
}

impl KindMismatch {
    pub const ALL: [KindMismatch; 2] = [
        KindMismatch::DemoStoreOnRealServer,
        KindMismatch::RealStoreOnDemoServer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            KindMismatch::DemoStoreOnRealServer => "demo_store_refused",
            KindMismatch::RealStoreOnDemoServer => "demo_server_refused",
        }
    }

    pub fn from_code(code: &str) -> Option<KindMismatch> {
        KindMismatch::ALL.into_iter().find(|m| m.code() == code)
    }

    pub fn message_zh(self) -> &'static str {
        match self {
            KindMismatch::DemoStoreOnRealServer => {
                "本机是演示数据（培训用），不能登记或同步到正式的乡镇服务器：演示数据会混进考核数字。请在新安装的软件中建立正式数据后再登记。"
            }
            KindMismatch::RealStoreOnDemoServer => {
                "这台服务器是演示（培训）服务器，本机是正式数据，不能同步到这里。请向卫生院索取正式服务器的登记文件。"
            }
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            KindMismatch::DemoStoreOnRealServer => {
                "This device holds the demo (training) township: it cannot enroll with or sync to the real township server, where it would count in the figures doctors are paid by. Create a real store first."
            }
            KindMismatch::RealStoreOnDemoServer => {
                "This server is a demo (training) server and this device holds real work: it cannot sync here. Ask the health center for the real server's enrollment file."
            }
        }
    }
}

/// Whether a store of kind `store` may sync with a server of kind `server`.
pub fn check_pairing(store: DataKind, server: DataKind) -> Result<(), KindMismatch> {
    match (store, server) {
        (DataKind::Demo, DataKind::Real) => Err(KindMismatch::DemoStoreOnRealServer),
        (DataKind::Real, DataKind::Demo) => Err(KindMismatch::RealStoreOnDemoServer),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_like_kinds_pair() {
        assert_eq!(check_pairing(DataKind::Real, DataKind::Real), Ok(()));
        assert_eq!(check_pairing(DataKind::Demo, DataKind::Demo), Ok(()));
        assert_eq!(
            check_pairing(DataKind::Demo, DataKind::Real),
            Err(KindMismatch::DemoStoreOnRealServer)
        );
        assert_eq!(
            check_pairing(DataKind::Real, DataKind::Demo),
            Err(KindMismatch::RealStoreOnDemoServer)
        );
    }

    #[test]
    fn a_missing_or_unknown_header_is_real_work() {
        assert_eq!(DataKind::from_header(None), DataKind::Real);
        assert_eq!(DataKind::from_header(Some("real")), DataKind::Real);
        assert_eq!(DataKind::from_header(Some("training")), DataKind::Real);
        assert_eq!(DataKind::from_header(Some(" Demo ")), DataKind::Demo);
        for kind in [DataKind::Real, DataKind::Demo] {
            assert_eq!(DataKind::from_header(Some(kind.as_str())), kind);
        }
    }

    #[test]
    fn codes_read_back() {
        for m in KindMismatch::ALL {
            assert_eq!(KindMismatch::from_code(m.code()), Some(m));
            assert!(m.message_zh().contains("演示"));
        }
        assert_eq!(KindMismatch::from_code("other"), None);
    }
}
