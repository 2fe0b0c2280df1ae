//! Durations as staff write them: `14d`, `2w`, `36h`, `30m`, `10 business_days`.

use std::fmt;

/// A length of time in the units people plan with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration {
    /// How many units.
    pub amount: u32,
    /// Which unit.
    pub unit: Unit,
}

/// Units of a [`Duration`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Minutes.
    Minutes,
    /// Hours.
    Hours,
    /// Calendar days in the cohort's zone (DST-safe: same local time).
    Days,
    /// Calendar weeks.
    Weeks,
    /// Weekdays that are not institute holidays.
    BusinessDays,
}

const UNITS: &[(&str, Unit)] = &[
    ("m", Unit::Minutes),
    ("min", Unit::Minutes),
    ("minutes", Unit::Minutes),
    ("h", Unit::Hours),
    ("hours", Unit::Hours),
    ("d", Unit::Days),
    ("days", Unit::Days),
    ("w", Unit::Weeks),
    ("weeks", Unit::Weeks),
    ("bd", Unit::BusinessDays),
    ("business_days", Unit::BusinessDays),
];

impl Duration {
    /// Reads `14d`, `10 business_days`, `2w`; the message says what is accepted.
    pub fn parse(text: &str) -> Result<Duration, String> {
        let text = text.trim();
        let digits = text.chars().take_while(char::is_ascii_digit).count();
        let (number, unit) = text.split_at(digits);
        let unit = unit.trim();
        let help = "write a whole number and a unit: m, h, d, w or business_days (e.g. 14d, 10 business_days)";
        if number.is_empty() {
            return Err(format!("'{text}' is not a duration; {help}"));
        }
        let amount: u32 = number
            .parse()
            .map_err(|_| format!("'{number}' is too large for a duration"))?;
        let Some(&(_, unit)) = UNITS.iter().find(|(name, _)| *name == unit) else {
            return Err(format!("unknown unit '{unit}' in '{text}'; {help}"));
        };
        if amount == 0 {
            return Err(format!("'{text}' is zero; a duration must be positive"));
        }
        let days = match unit {
            Unit::Minutes => amount / (24 * 60),
            Unit::Hours => amount / 24,
            Unit::Days => amount,
            Unit::Weeks => amount.saturating_mul(7),
            Unit::BusinessDays => amount.saturating_mul(7) / 5,
        };
        if days > 3660 {
            return Err(format!("'{text}' is more than ten years; check the number"));
        }
        Ok(Duration { amount, unit })
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            Unit::Minutes => "m",
            Unit::Hours => "h",
            Unit::Days => "d",
            Unit::Weeks => "w",
            Unit::BusinessDays => " business_days",
        };
        write!(f, "{}{}", self.amount, unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_units_people_write() {
        assert_eq!(
            Duration::parse("14d").unwrap(),
            Duration {
                amount: 14,
                unit: Unit::Days
            }
        );
        assert_eq!(
            Duration::parse("10 business_days").unwrap(),
            Duration {
                amount: 10,
                unit: Unit::BusinessDays
            }
        );
        assert_eq!(Duration::parse("2w").unwrap().unit, Unit::Weeks);
        assert_eq!(Duration::parse("36h").unwrap().amount, 36);
    }

    #[test]
    fn explains_what_is_wrong() {
        assert!(
            Duration::parse("14")
                .unwrap_err()
                .contains("unknown unit ''")
        );
        assert!(
            Duration::parse("fortnight")
                .unwrap_err()
                .contains("not a duration")
        );
        assert!(
            Duration::parse("3 months")
                .unwrap_err()
                .contains("unknown unit 'months'")
        );
        assert!(Duration::parse("0d").unwrap_err().contains("zero"));
        assert!(Duration::parse("4000m").is_ok(), "under three days");
        assert!(Duration::parse("4000d").unwrap_err().contains("ten years"));
    }
}
