//! Recurring schedules (`every:`) written as five-field crontab expressions.
//!
//! People write crontab (`0 9 * * MON`, Sunday as 0 or 7); the `cron` crate
//! wants a seconds field and numbers weekdays from 1 = Sunday. We accept what
//! people write and convert it, so the crate does the calendar work.

use std::str::FromStr;

/// A validated recurring schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The expression as written.
    pub expression: String,
    /// The parsed schedule (seconds-first form).
    pub cron: cron::Schedule,
}

impl Schedule {
    /// Parses a five-field crontab expression; the message says which field is wrong.
    pub fn parse(text: &str) -> Result<Schedule, String> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(format!(
                "'{text}' has {} fields; a schedule has five: minute hour day-of-month month day-of-week",
                fields.len()
            ));
        }
        let weekday = convert_weekdays(fields[4])
            .map_err(|e| format!("day-of-week '{}' in '{text}': {e}", fields[4]))?;
        let seconds_first = format!(
            "0 {} {} {} {} {}",
            fields[0], fields[1], fields[2], fields[3], weekday
        );
        let cron = cron::Schedule::from_str(&seconds_first)
            .map_err(|e| format!("'{text}' is not a valid schedule: {e}"))?;
        Ok(Schedule {
            expression: text.to_owned(),
            cron,
        })
    }
}

/// Crontab weekdays (0-7, 0 and 7 = Sunday) to the cron crate's (1-7, 1 = Sunday).
/// Numeric items are expanded to lists so ranges across Sunday stay right; names pass through.
fn convert_weekdays(field: &str) -> Result<String, String> {
    let mut out = Vec::new();
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (
                r,
                Some(s.parse::<u8>().map_err(|_| format!("bad step '{s}'"))?),
            ),
            None => (item, None),
        };
        let numeric = |s: &str| s.parse::<u8>().ok();
        let bounds = match range.split_once('-') {
            Some((a, b)) => numeric(a).zip(numeric(b)),
            None if range == "*" => step.map(|_| (0, 6)),
            None => numeric(range).map(|a| (a, a)),
        };
        let Some((first, last)) = bounds else {
            out.push(item.to_owned());
            continue;
        };
        if first > 7 || last > 7 || first > last {
            return Err(format!(
                "'{item}' is not a weekday range (0-7, Sunday is 0 or 7)"
            ));
        }
        let step = usize::from(step.unwrap_or(1).max(1));
        for day in (first..=last).step_by(step) {
            let converted = if day == 7 { 1 } else { day + 1 };
            let text = converted.to_string();
            if !out.contains(&text) {
                out.push(text);
            }
        }
    }
    Ok(out.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekday_numbers_follow_crontab() {
        assert_eq!(convert_weekdays("1").unwrap(), "2");
        assert_eq!(convert_weekdays("0").unwrap(), "1");
        assert_eq!(convert_weekdays("7").unwrap(), "1");
        assert_eq!(convert_weekdays("1-5").unwrap(), "2,3,4,5,6");
        assert_eq!(convert_weekdays("5-7").unwrap(), "6,7,1");
        assert_eq!(convert_weekdays("MON-FRI").unwrap(), "MON-FRI");
        assert_eq!(convert_weekdays("*").unwrap(), "*");
    }

    #[test]
    fn accepts_what_people_write_and_rejects_the_rest() {
        assert!(Schedule::parse("0 9 * * MON").is_ok());
        assert!(Schedule::parse("30 8 * * 1-5").is_ok());
        assert!(
            Schedule::parse("0 9 * *")
                .unwrap_err()
                .contains("has 4 fields")
        );
        assert!(Schedule::parse("0 25 * * *").is_err());
        assert!(
            Schedule::parse("0 9 * * 8")
                .unwrap_err()
                .contains("day-of-week")
        );
    }
}
