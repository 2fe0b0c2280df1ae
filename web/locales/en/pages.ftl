# gradflow web pages, English.
skip-to-content = Skip to content
nav-label = Main
nav-home = My projects
nav-signout = Sign out
required = required
choose = Choose…
yes = Yes
no = No
back-home = Back to my projects
overdue = Overdue
overdue-since = Overdue since { $when }
times-in = Times are in { $zone }.
language-en = English
language-ar = العربية (Arabic)

month-1 = Jan
month-2 = Feb
month-3 = Mar
month-4 = Apr
month-5 = May
month-6 = Jun
month-7 = Jul
month-8 = Aug
month-9 = Sep
month-10 = Oct
month-11 = Nov
month-12 = Dec

signin-title = Sign in
signin-email = Email
signin-password = Password
signin-submit = Sign in
signin-refused = The email or the password is not right. Check both and try again.
reset-title = Forgotten password
reset-explain = Give the email you sign in with. If it has an account, a link to choose a new password is sent to it; the link works once, for { $minutes } minutes.
reset-send = Send the link
reset-sent = If { $email } has an account, a link to choose a new password is on its way. It works once, for { $minutes } minutes. Nothing arrived? Look in your junk mail, then ask again.
reset-no-mail = This site does not send mail. Ask the institute's staff to set a new password for you.
reset-back = Back to sign-in
reset-new-password = New password
reset-confirm = The same password again
reset-save = Save the new password
reset-password-rule = At least { $min } characters.
reset-mismatch = The two passwords are not the same. Type them again.
reset-link-dead = This link has expired or was already used. Ask for a new one.
reset-ask-again = Ask for a new link
reset-done = Your password is changed. Sign in with it.
signin-forgot = Forgotten your password?
reset-mail-subject = Choose a new gradflow password
reset-mail-text = Hello { $name },

    Someone (we hope you) asked to choose a new password for gradflow.
    Open this link to choose it; it works once, for { $minutes } minutes:

    { $link }

    If it was not you, ignore this email: your password stays as it is.

home-title = My projects
home-empty = You have no projects yet.
home-awaiting = Waiting for you
home-waiting = Waiting for others
home-finished = Finished
home-yours = You can
home-cohorts = Cohorts you coordinate
home-outbox = Messages

project-title = Project
project-stage = Stage
project-cohort = Cohort
project-your-roles = Your roles
project-stages = The workflow
project-current = (you are here)
project-due = What is due
project-nothing-due = Nothing is due at this stage.
project-actions = What you can do
project-no-actions = Nothing awaits you on this project now.
project-others = Waiting for others
project-blocked = Not yet
project-comment = Comment
project-evidence = Evidence files
project-no-evidence = No files yet.
project-upload-label = File to add (at most { $limit })
project-upload = Upload
project-history = History

due-deadline = { $stage } is due
due-milestone = { $milestone } is due
waiting-roles = waiting for { $roles }
action-milestone-submit = Submit: { $milestone }
action-milestone-accept = Accept: { $milestone }
action-milestone-return = Return for changes: { $milestone }
action-score = Record your scores

event-started = Project started at { $stage }
event-action_taken = { $action }
event-approval_recorded = Approval for { $action } given as { $role }
event-moved = Moved from { $from } to { $to }
event-milestone_submitted = Milestone { $milestone } submitted
event-milestone_accepted = Milestone { $milestone } accepted
event-milestone_returned = Milestone { $milestone } returned for changes
event-scored = Scores given
event-deadline_passed = The deadline passed
event-milestone_late = Milestone { $milestone } is late
event-reminded = Reminder sent
event-reminder_skipped = Reminder not sent: the deadline had passed
event-effect_requested = Requested: { $effect }
event-member_added = { $person } became { $role }
event-evidence_added = added the file { $name } ({ $size })

project-give-role = Give a role
project-role = Role
role-trainee = trainee
role-supervisor = supervisor
role-committee = committee member
role-chair = committee chair
role-coordinator = coordinator
project-submitted = Submitted
project-nothing-submitted = Nothing has been submitted yet.
project-scorecards = Scorecards
project-criterion = Criterion
project-score = Score
milestone-pending = not submitted yet
milestone-submitted = waiting for review
milestone-accepted = accepted
milestone-returned = returned for changes
milestone-late = late

board-title = Cohort board
board-summary = { $count ->
    [one] One project
   *[other] { $count } projects
}
board-waits = Waiting for
board-overdue-count = { $count ->
    [one] one overdue
   *[other] { $count } overdue
}
export-id = Number
export-title = Title
export-people = People
board-by-stage = Projects by stage
board-projects = Projects
board-export = Export (CSV)
board-overdue-heading = Overdue projects, longest overdue first
board-show-overdue = Show the overdue projects
board-stage-empty = No project is at this stage.
board-none-overdue = No project is overdue.
board-pages = Pages
board-page = Page { $page } of { $pages }
board-previous = Previous page
board-next = Next page

outbox-title = Messages
outbox-caption = The newest messages about this cohort's projects
outbox-project = Project
outbox-template = Message
outbox-to = To
outbox-state = State
outbox-attempts = Attempts
outbox-when = Sent or due
outbox-empty = No messages yet.

profile-title = Profile
profile-name = Name
profile-email = Email
profile-organization = Organization
profile-language = Language of the pages
profile-save = Save

password-title = Change your password
password-current = Current password
password-save = Change the password
password-signs-out = Every other browser signed in as you is signed out.
password-changed = Your password is changed. Other browsers were signed out.
password-current-wrong = The current password is not right. Nothing was changed.

status-400 = The request was not right
status-403 = Not allowed
status-404 = Not found
status-409 = The project has moved on
status-413 = The file is too large
status-429 = Too many attempts
status-500 = Something went wrong
status-503 = Busy, try again

error-csrf = This form has expired or did not come from gradflow. Nothing was changed. Go back, reload the page and try again.
error-invalid = What was sent is not right. Nothing was changed.
error-not-found = There is no such page, or it is not yours to see.
error-forbidden = You may not do this. Nothing was changed.
error-conflict = Someone changed the project while you were looking at it. Nothing was changed: open the project again and retry.
error-busy = gradflow is busy. Nothing was changed: try again in a moment.
error-internal = Something went wrong inside gradflow. Nothing was changed; the operator can find the details in the log.
error-too-large = The file is larger than allowed. Nothing was stored.
error-empty-file = The file is empty. Nothing was stored: choose a file with something in it.
error-quota = You have used all the space for your files. Nothing was stored: ask the institute's staff for more.
error-too-many-attempts = Too many failed sign-ins. Wait a quarter of an hour and try again.
error-bad-request = The form could not be read. Nothing was changed.

## Refusals and reasons (issue 14, part 1): the summary above a refused form.
reason-summary = This was not done. Please correct:
