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

## Scoring with the rubric in view, the chair's decision panel, the improvement (routes/scoring.rs)
score-heading = Scoring
score-work = The work to score
score-yours = Your scores
score-mine = Your scorecard, as you submitted it
score-full = Every scorecard this project needs is in.
score-weight = weight { $weight }
score-scale = Choose one level for each criterion, from { $min } to { $max }.
score-rule-both = Passes with a weighted mean of at least { $mean } and no criterion below { $each }, once { $count ->
    [one] one evaluator has scored
   *[other] { $count } evaluators have scored
    }.
score-rule-mean = Passes with a weighted mean of at least { $mean }, once { $count ->
    [one] one evaluator has scored
   *[other] { $count } evaluators have scored
    }.
score-rule-each = Passes with no criterion below { $each }, once { $count ->
    [one] one evaluator has scored
   *[other] { $count } evaluators have scored
    }.
panel-heading = Decision panel
panel-caption = Scores by criterion and evaluator
panel-weight = Weight
panel-mean = Mean
panel-spread = Spread
panel-below = below the minimum
panel-wide = too wide
panel-mean-ok = Weighted mean { $mean }: at least { $at_least }, as the pass rule asks.
panel-mean-short = Weighted mean { $mean }: below { $at_least }, which the pass rule asks.
panel-each-ok = Lowest criterion mean { $lowest } ({ $criterion }): no criterion below { $at_least }.
panel-each-short = Lowest criterion mean { $lowest } ({ $criterion }): below { $at_least }, which each criterion needs.
panel-spread-ok = Evaluators agree: no criterion's scores differ by more than { $above }.
panel-spread-wide = Evaluators disagree: some criterion's scores differ by more than { $above }, the moderation threshold.
panel-quorum = { $count ->
    [0] No scorecard is in
    [one] One scorecard is in
   *[other] { $count } scorecards are in
    } of { $evaluators ->
    [one] one evaluator
   *[other] { $evaluators } evaluators
    }; { $quorum } needed for a result.
panel-verdict-passes = On these figures the project passes.
panel-verdict-not-yet = On these figures the project does not pass (yet).
panel-decisions = Decisions
panel-possible = possible now
panel-not-possible = not possible yet
panel-why-scorecards = it needs { $need } scorecards, and { $have ->
    [0] none is in yet
    [one] one is in
   *[other] { $have } are in
    }.
panel-why-not-passed = the project does not pass: { $reasons }.
panel-short-quorum = { $have ->
    [0] no scorecard is in yet
    [one] one scorecard is in
   *[other] { $have } scorecards are in
    } of the { $need } needed
panel-short-mean = the weighted mean { $mean } is below { $at_least }
panel-short-criterion = { $criterion } has a mean of { $mean }, below { $at_least }
panel-why-passes = the project passes, so this decision does not fit.
panel-why-agree = the evaluators agree, so there is nothing to moderate.
panel-why-disagree = the evaluators disagree by more than the rubric allows; the scores need moderating first.
panel-why-figure = the { $figure } is { $value }; the workflow asks for { $op } { $bound }.
panel-figure-mean = weighted mean
panel-figure-count = number of scorecards
panel-why-condition = its condition is not met ({ $condition }).
improve-line = { $what } { $before } → { $after }{ $unit } ({ $percent })
improve-line-plain = { $what } { $before } → { $after }{ $unit }
improve-better = better
improve-worse = worse
