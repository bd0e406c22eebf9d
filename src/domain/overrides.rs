//! Local-only fields a team keeps on an issue without touching the tracker. Sync never writes
//! them; only a person does, from the detail view.

use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OverrideField {
    InternalStatus,
    Notes,
    TargetDate,
    InternalPriority,
}

impl OverrideField {
    pub const ALL: [OverrideField; 4] = [
        Self::InternalStatus,
        Self::Notes,
        Self::TargetDate,
        Self::InternalPriority,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::InternalStatus => "internal status",
            Self::Notes => "notes",
            Self::TargetDate => "target date",
            Self::InternalPriority => "internal priority",
        }
    }

    /// The column in `overrides`; a fixed name, never user text.
    pub fn column(self) -> &'static str {
        match self {
            Self::InternalStatus => "internal_status",
            Self::Notes => "notes",
            Self::TargetDate => "target_date",
            Self::InternalPriority => "internal_priority",
        }
    }

    /// Checks typed text: empty clears the field; a target date must be a real date.
    pub fn validate(self, text: &str) -> Result<Option<String>, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        if self == Self::TargetDate {
            return NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|d| Some(d.format("%Y-%m-%d").to_string()))
                .map_err(|_| format!("`{text}` is not a date: use YYYY-MM-DD"));
        }
        if text.chars().count() > 2000 {
            return Err("too long: keep it under 2,000 characters".into());
        }
        Ok(Some(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_dates_and_clears_on_empty() {
        assert_eq!(
            OverrideField::TargetDate.validate("2026-12-01"),
            Ok(Some("2026-12-01".into()))
        );
        assert!(OverrideField::TargetDate.validate("next friday").is_err());
        assert_eq!(OverrideField::Notes.validate("  "), Ok(None));
        assert_eq!(
            OverrideField::Notes.validate(" keep an eye "),
            Ok(Some("keep an eye".into()))
        );
    }
}
