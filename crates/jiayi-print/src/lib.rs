//! Printing for the family doctor contract service: the service agreement (签约服务协议书),
//! the termination confirmation (解约确认书), the amendment confirmation (协议变更确认书), the
//! renewal notice (续约告知书) and the contact card (家庭医生联系卡), as PDF.
//!
//! Pure: frozen snapshots and signature images in, PDF bytes out. Layout is done here with
//! printpdf; the wording lives in `assets/templates/`, the font in `assets/fonts/`. Text is
//! wrapped by the font's own glyph widths, and the embedded font is subset to the glyphs a
//! document uses, so an agreement stays small.

mod agreement;
mod amendment;
mod canvas;
mod card;
mod doc;
mod error;
mod flow;
mod font;
mod marks;
mod renewal;
mod templates;
mod termination;

pub use agreement::render_agreement;
pub use amendment::render_amendment;
pub use card::{CARD_H, CARD_W, CARDS_PER_SHEET, render_card, render_cards};
pub use doc::Signatures;
pub use error::{PrintError, Result};
pub use flow::{MARGIN_X, MARGIN_Y};
pub use font::{code_point_label, unprintable_chars};
pub use marks::PrintOptions;
pub use renewal::{NoticeMember, NoticePackage, RenewalNotice, render_renewal_notice};
pub use termination::render_termination;
