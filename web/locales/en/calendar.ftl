# Calendar feeds (issue 17, part 4): the feed's words (routes/calendar.rs)
# and the profile's calendar section (templates/profile.hbs).

calendar-name = gradflow: { $name }
calendar-deadline = { $stage } due: { $project }
calendar-milestone = { $milestone } due: { $project }
calendar-scoring = Your scorecard due: { $project }
calendar-cohort-date = { $date }: { $cohort }
calendar-project-line = Project: { $project }
calendar-cohort-line = Cohort: { $cohort }
calendar-stage-line = Stage: { $stage }
calendar-date-line = Cohort date: { $date }

calendar-title = Calendar
calendar-about = Your deadlines, milestone due dates, scoring deadlines and committee dates can appear in your calendar application, kept up to date from a private address.
calendar-none = You have no calendar address yet.
calendar-have = You have a calendar address, made { $made } (UTC). It is shown only once; make a new one if you need it again.
calendar-make = Make my calendar address
calendar-reset = Make a new address
calendar-reset-warning = A new address replaces the old one: calendars subscribed to the old address stop updating at once.
calendar-created = Your calendar address is made.
calendar-replaced = Your new calendar address is made. The old address no longer works.
calendar-address = Your calendar address
calendar-once = Copy it now: it is shown only this once. Anyone with this address can read your deadlines; keep it private.
calendar-how = To subscribe, add a calendar "from URL" (or "by address") in your calendar application (Google Calendar, Outlook, Apple Calendar, Thunderbird) and paste this address. Calendars check it again every few hours.
