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
board-version = New projects start on version { $version } of the workflow
event-migrated = Moved from version { $from_version } of the workflow ({ $from }) to version { $to_version } ({ $to })
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
# Committee (issue 15, parts 2 and 3).
event-member_removed = { $person } is no longer { $role } (replaced)
event-committee_short = No committee could be assigned: { $missing } evaluators missing ({ $role }); the coordinators were told
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
status-410 = The file was removed
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
error-evidence-missing = This file is recorded in the project's history, but its content is missing from the server's store. Nothing was changed; the operator can find which file in the log.
error-too-large = The file is larger than allowed. Nothing was stored.
error-empty-file = The file is empty. Nothing was stored: choose a file with something in it.
error-quota = You have used all the space for your files. Nothing was stored: ask the institute's staff for more.
error-too-many-attempts = Too many failed sign-ins. Wait a quarter of an hour and try again.
error-bad-request = The form could not be read. Nothing was changed.

# ── people: confirmations, the give-a-role form, the outbox in words, the export ──
done-action = “{ $action }” is done.
done-moved = The project is now at: { $stage }.
done-approval-recorded = Your approval is recorded; the action waits for the other approvals it needs.
done-milestone-submitted = “{ $milestone }” is submitted.
done-milestone-accepted = “{ $milestone }” is accepted.
done-milestone-returned = “{ $milestone }” is returned for changes.
done-scored = Your scores are recorded.
done-role-given = { $person } is now { $role } on this project.
done-evidence = “{ $name }” is added to the evidence.
done-profile = Your profile is saved.
done-password = Your password is changed. Other browsers were signed out.
done-resend = The message to { $email } will be sent again in a moment.
done-told = Told by email: { $names }.
done-told-nobody = Nobody was emailed about this.

give-role-placeholder = Choose a role
give-role-choose = Choose a role for the person. Nothing was changed.
give-role-unknown-email = Nobody is registered in gradflow with the email { $email }. Nothing was changed. Check the spelling, or ask the operator to add the person (gradflow person add EMAIL --name "Full name"), then give the role again.

confirm-title = Are you sure?
confirm-check = Yes, I mean it: “{ $action }” cannot be undone.
confirm-needed = Tick the box to confirm “{ $action }”. Nothing was changed.

outbox-subject = Subject
outbox-preview = Preview
outbox-resend = Send again
outbox-message-title = Message { $id }
outbox-text = Text of the message
outbox-no-preview = This message cannot be shown: { $reason }
outbox-state-pending = Waiting to be sent
outbox-state-claimed = Being sent now
outbox-state-sent = Sent
outbox-state-failed = Not sent yet: the mail server did not take it; gradflow tries again
outbox-state-dead = Given up: gradflow stopped trying. You can send it again.
outbox-tries = { $count ->
    [one] 1 try
   *[other] { $count } tries
}
outbox-tpl-proposal_submitted = A proposal to review
outbox-tpl-changes_requested = Changes asked for
outbox-tpl-milestone_submitted = A milestone to review
outbox-tpl-milestone_returned = A milestone returned
outbox-tpl-milestone_accepted = A milestone accepted
outbox-tpl-ready_for_evaluation = Ready for evaluation
outbox-tpl-moderation_needed = Moderation needed
outbox-tpl-certified = Certified
outbox-tpl-not_certified = Not certified
outbox-tpl-deadline_reminder = Deadline reminder
outbox-tpl-overdue_digest = Overdue projects
outbox-tpl-overdue_notice = Overdue notice
outbox-tpl-proposal_endorsed = Proposal endorsed
outbox-tpl-proposal_approval = An approval given
outbox-tpl-more_work_requested = More work asked for
outbox-tpl-project_withdrawn = Project withdrawn
outbox-tpl-proposal_rejected = Proposal not accepted
outbox-tpl-passed_for_accreditation = Passed, awaiting accreditation
outbox-tpl-charter_submitted = A charter to approve
outbox-tpl-pilot_reported = A pilot report to review
outbox-tpl-initiative_adopted = Initiative adopted
outbox-tpl-charter_approval = An approval given
outbox-tpl-charter_sent_back = Charter sent back
outbox-tpl-initiative_declined = Initiative declined
outbox-tpl-initiative_cancelled = Initiative cancelled
outbox-tpl-measurement_submitted = A measurement to review
outbox-tpl-measurement_accepted = A measurement accepted
outbox-tpl-measurement_returned = A measurement returned
outbox-tpl-pilot_extended = Pilot extended
outbox-tpl-initiative_abandoned = Initiative abandoned

export-due = Due
export-days-in-stage = Days in the stage
export-scores = Scores
export-mean = Mean score
export-decision = Decision
export-improvement = Improvement
project-ends = It ends as one of:
project-ends-or = or
## next-: what comes next, whose turn, by when (issue 14, part 3)
next-heading = What comes next
next-line = Next: { $action } — { $who }
next-line-due = Next: { $action } — { $who }, by { $when }
next-rule = ({ $days ->
    [one] one working day
   *[other] { $days } working days
}; { $weekend } off)
next-done = done by { $people }
next-nobody = nobody holds the role of { $roles } yet
next-finished = Finished: { $stage }, on { $when }
next-idle = This stage waits for nobody now.
next-people = People on this project
next-times-in = Times are in { $zone }.
next-zone = { $city } time
next-when = { $day } { $when }
next-and = { $first } and { $last }
next-days = { $days ->
    [one] one day in this stage
   *[other] { $days } days in this stage
}
next-due = Due { $when }
next-waits-for = Waiting for { $who }
next-city-muscat = Muscat
next-city-dubai = Dubai
next-city-riyadh = Riyadh
next-city-doha = Doha
next-city-bahrain = Bahrain
next-city-kuwait = Kuwait
next-weekday-1 = Monday
next-weekday-2 = Tuesday
next-weekday-3 = Wednesday
next-weekday-4 = Thursday
next-weekday-5 = Friday
next-weekday-6 = Saturday
next-weekday-7 = Sunday
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
## Refusals and reasons (issue 14, part 1): the summary above a refused form.
reason-summary = This was not done. Please correct:

# Your data (profile): what gradflow keeps about the signed-in person.
data-link = Your data: everything gradflow keeps about you
data-title = Your data
data-intro = Everything gradflow keeps about you: your details, your roles, the evidence files you added and the messages sent to you. The download holds all of it, with every event you took part in, your answers and comments.
data-download = Download all of it (JSON)
data-you = Your details
data-created = Registered
data-sessions = Browsers signed in
data-events = Events in project logs about you
data-roles = Your roles
data-files = Evidence files you added
data-messages = Messages to you
data-none = None.
data-removed = (the file itself was removed after the retention period)
data-rights = To have your name or email corrected, or your data erased, ask your programme's coordinator or the institute's data protection officer.
error-evidence-removed = This file was removed after the retention period that follows the end of its project. Its name, size and fingerprint are still in the project's history.

# A form that came back because the project moved on while it was being
# filled (routes/project.rs, moved).
busy-deadline-moved = While you were writing, the deadline passed and the project moved to { $stage }. Nothing was sent.
busy-moved = While you were writing, the project moved to { $stage }. Nothing was sent.
busy-deadline = While you were writing, the deadline passed. Nothing was sent.
busy-changed = While you were writing, someone else changed the project. Nothing was sent.
busy-send-again = “{ $action }” can still be done: what you wrote is in its form below. Check it and send it again.
busy-gone = “{ $action }” can no longer be done now. What you wrote is kept below, so that you can copy it; what you can do now is under “What you can do”.
busy-kept = What you wrote

## Parts 5 and 6 of issue 15: extensions, calendar changes, the graduation checklist.
event-extended = Deadline of { $stage } extended to { $due }
event-milestone_extended = Due date of milestone { $milestone } extended to { $due }
event-calendar_changed = The cohort's dates changed; deadlines planned again
due-extended-by = (extended by { $name }: { $reason })
due-extended = (extended: { $reason })
checklist-heading = Graduation checklist
checklist-complete = Every item is met: the certificate can be issued.
checklist-missing = { $count ->
    [one] One item is still missing before the certificate can be issued.
   *[other] { $count } items are still missing before the certificate can be issued.
}
checklist-done = Met
checklist-not-done = Missing
done-extended = Extended: the new date is { $due }; the reminders are planned again.
extend-heading = Extend a date
extend-what = What to extend
extend-date = New date
extend-reason = Reason
extend-submit = Extend

## Moderation on the decision panel (issue 15, part 4: moderation).
event-score_moderated = The chair moderated the score of { $criterion }
event-rescore_requested = The chair asked { $people } to score again
done-moderated = The moderated scores are recorded for: { $criteria }. The decision panel now counts them; the decision can be taken when the rest of the rules are met.
done-rescore-requested = The scorecard is set aside; the evaluator is asked to score again. No decision can be taken before their new scorecard is in.
panel-spread-moderated = Evaluators disagreed by more than { $above } on some criterion; the chair has moderated it.
panel-moderation-heading = Moderation
panel-moderation-needed = Moderation is needed before any decision: { $criteria }.
panel-moderation-done = Moderation is done: the figures above count the moderated scores.
panel-moderated = { $who } moderated { $criterion }: the evaluators' mean { $before }, moderated to { $after }.
panel-moderated-reason = Why
panel-moderated-col = Moderated
panel-before-same = Before moderation the weighted mean was { $before }; now it is { $after }. The verdict is the same.
panel-before-now-passes = Before moderation the weighted mean was { $before } and the project did not pass; now it is { $after } and it passes.
panel-before-now-fails = Before moderation the weighted mean was { $before } and the project passed; now it is { $after } and it does not pass.
panel-why-quorum = no decision before quorum: it needs { $need } scorecards, and { $have ->
    [0] none is in
    [one] one is in
   *[other] { $have } are in
    }.
panel-why-moderate = the chair must moderate first: { $criteria }.
moderate-heading = Moderate the scores
moderate-hint = Give a moderated score for each criterion you moderate (leave the others empty), and say why. It replaces the evaluators' mean of that criterion in every figure.
moderate-none = (not moderated)
moderate-reason = Reason (required)
moderate-submit = Record the moderated scores
rescore-heading = Ask an evaluator to score again
rescore-hint = Their scorecard is set aside and they are told by email; moderated scores are cleared. No decision can be taken before their new scorecard is in.
rescore-evaluator = Evaluator
rescore-submit = Ask to score again

# Committee (issue 15, parts 2 and 3): the board's button.
board-committee-assign = Assign committees from the pool
board-committee-assign-hint = Every project in evaluation gets the evaluators it lacks; never from the trainee's organization, their supervisor or someone with a declared conflict.
done-committee-assigned = Projects given their evaluators now: { $count }; each evaluator was mailed.

## Certificates (issue 15, parts 1 and 7: certs)
home-certificates = Your certificates
certificate-title = Certificate
certificate-heading = Certificate
certificate-certifies = This certifies that
certificate-completed = has completed { $program } at the { $level } level.
certificate-project = Improvement project:
certificate-number = Certificate number
certificate-issued = Issued
certificate-expires = Valid until
certificate-never-expires = Does not expire
certificate-accredited = Accredited by
certificate-check = Anyone can check this certificate at
certificate-code = Verification code:
certificate-qr-alt = QR code of the address where this certificate can be checked
certificate-other-language = العربية
certificate-print-hint = Print this page for a paper copy.
certificate-status-valid = This certificate is valid.
certificate-status-expired = This certificate has expired.
certificate-credential = Download the Open Badge (a signed digital credential)
certificate-status-revoked = This certificate was revoked.
verify-title = Check a certificate
verify-unknown = No certificate has this code. Check that it was typed as printed.
verify-holder = Awarded to
verify-program = Program
verify-awarding = Awarded by
verify-revoked-on = Revoked on

## The coordinators' dates page (calendar2, issue 15).
board-dates = Dates and extensions
dates-title = Dates and extensions
dates-board = Back to the board
dates-extend-heading = Give trainees a new date
dates-trainees = Trainees with an open project
dates-no-trainees = No trainee of this cohort has an open project.
dates-extend-hint = Each trainee ticked gets the new date on their open project, with this reason in its log; their reminders and escalations are planned again.
dates-calendar-heading = Change the cohort's dates and holidays
dates-remove-holidays = Holidays to remove (working days after all)
dates-add-holiday = Add a holiday
dates-calendar-hint = Every open project's deadlines, reminders and escalations are planned again on the new calendar, with this reason in its log.
dates-calendar-submit = Change the calendar
done-dates-extended = New date given on { $count } project(s): now due { $date }. Their deadlines, reminders and escalations are planned again.
done-calendar-changed = The cohort's calendar is changed: { $count } open project(s) planned again ({ $left } finished left as they were).
done-dates-next = { $project } — { $next }
done-dates-more = … and { $count } more project(s): see the board.

## Committee and moderation gaps (issue 15, second round: committee2): "Your data".
data-pools = Committee pools you are in
data-pool-chair = chair
data-conflicts = Conflicts of interest you declared
data-conflict-trainee = with the trainee { $email }: { $reason } ({ $at })
data-conflict-organization = with the organization { $organization }: { $reason } ({ $at })

## Intake (issue 16, part 1 on the web: pages): nominations, requests to
## join, endorsements, the coordinators' candidates list.
home-intake-heading = Applications and nominations
home-intake-applications = { $count ->
    [one] Your application
   *[other] Your { $count } applications
}
home-intake-join = { $count ->
    [one] Ask to join a cohort (one is open)
   *[other] Ask to join a cohort ({ $count } are open)
}
home-intake-endorse = { $count ->
    [0] Nominate people of your organization
    [one] One request waits for your endorsement
   *[other] { $count } requests wait for your endorsement
}
home-candidates = Candidates
board-candidates = Candidates
intake-state-submitted = Submitted
intake-state-endorsed = Endorsed
intake-state-accepted = Accepted
intake-state-waiting = On the waiting list
intake-state-waiting-at = On the waiting list, number { $position }
intake-state-offered = Offered a place
intake-state-declined = Declined
intake-state-withdrawn = Withdrawn
intake-state-expired = Offer expired
intake-kind-nomination = Nominated by { $name }
intake-kind-request = Asked to join
intake-kind-request-supervisor = Asked to join; supervisor { $name }
intake-received = Received { $when }
intake-reason = Why
intake-why = Reason
intake-open-project = Open the project
intake-offer-until = A place is offered until { $when }.
intake-next = Next: { $step }
intake-next-by = Next: { $step }, by { $when }
intake-next-endorse = { $who } endorses or refuses the request
intake-next-decide = the coordinator decides: { $who }
intake-next-take = { $who } takes or declines the offered place
intake-next-wait = when a place frees, it is offered in the waiting list's order ({ $who } is number { $position })
intake-next-project = { $who } starts the project
intake-next-none = nothing: this application is closed
applications-title = Your applications
applications-none = You have no application yet.
applications-join = Ask to join a cohort
applications-no-open = No cohort is open for applications now.
applications-places = { $taken } of { $capacity } places taken
applications-program = Program: { $program }
applications-supervisor-email = Your supervisor's email
applications-supervisor-needed = This program asks your supervisor to endorse your request before the coordinator decides.
applications-supervisor-optional = Optional: this program needs no endorsement.
applications-reason = Why you want to join
applications-request-submit = Ask to join
applications-withdraw = Withdraw
applications-withdraw-reason = Reason for withdrawing (optional)
applications-offer-take = Take the place
applications-offer-decline = Decline the place
supervision-title = Nominations and endorsements
supervision-endorse-heading = Requests waiting for your endorsement
supervision-no-requests = No request waits for your endorsement.
supervision-endorse = Endorse
supervision-refuse = Refuse
supervision-refuse-reason = Reason for refusing
supervision-nominate-heading = Nominate someone of your organization
supervision-person = Person
supervision-cohort = Cohort
supervision-reason = Why you nominate them
supervision-nominate-submit = Nominate
supervision-no-people = Nobody of your organization can be nominated now.
supervision-mine-heading = Your nominations and endorsements
supervision-none = You have not nominated or endorsed anyone yet.
candidates-title = Candidates
candidates-board = Back to the board
candidates-places = { $taken } of { $capacity } places taken; { $left } left.
candidates-open = Open for applications.
candidates-closed = Closed for applications.
candidates-filter-heading = Which candidates
candidates-state = State
candidates-state-all = Every state
candidates-sort = Sort by
candidates-sort-created = Received (oldest first)
candidates-sort-name = Name
candidates-sort-state = State
candidates-sort-organization = Organization
candidates-show = Show
candidates-count = { $count ->
    [0] No candidate in this list.
    [one] One candidate.
   *[other] { $count } candidates.
}
candidates-col-pick = Choose
candidates-col-name = Candidate
candidates-col-organization = Organization
candidates-col-by = Nominated by, or supervisor
candidates-col-reason = Why
candidates-col-state = State
candidates-col-received = Received
candidates-pick = Choose { $name }
candidates-actions = With the candidates chosen
candidates-reason = Reason (needed to decline or withdraw)
candidates-accept = Accept
candidates-wait = Put on the waiting list
candidates-decline = Decline
candidates-withdraw = Withdraw
candidates-accept-hint = Accepted in the order listed until the cohort is full; each accepted candidate's project starts on the cohort's workflow with their supervisor, and both are mailed. Those past capacity are refused and can go on the waiting list.
candidates-choose = Choose at least one candidate.
done-intake-nominated = { $person } is nominated for { $cohort }.
done-intake-requested = Your request to join { $cohort } is sent.
done-intake-endorsed = You endorsed { $person }'s request to join { $cohort }.
done-intake-refused = You refused to endorse { $person }'s request to join { $cohort }.
done-intake-accepted = { $person } is accepted into { $cohort }: the project “{ $project }” has started.
done-intake-waiting = { $person } is on the waiting list of { $cohort }, number { $position }.
done-intake-declined = { $person } is declined for { $cohort }.
done-intake-withdrawn = { $person }'s application to { $cohort } is withdrawn.
done-intake-offer-taken = { $person } took the place in { $cohort }: the project “{ $project }” has started.
done-intake-offer-declined = { $person } declined the place in { $cohort }.
done-intake-not-done = { $person }: not done. { $reason }
done-intake-next = { $person } — { $next }

## Withdrawal and places (issue 16, parts 2 and 5: places)
event-withdrawn = Withdrawn from { $stage }

## Loading a cohort's people from a spreadsheet (issue 16: import)
board-import = Load people from a spreadsheet
import-title = Load people from a spreadsheet
import-template = Download the template (CSV)
import-export = Download this cohort's people (CSV)
import-upload-heading = Upload a file
import-how = What to do with it
import-check = Check it and show what would change (nothing is changed)
import-now = Import it now (all or nothing)
import-file = CSV file
import-submit = Send the file
import-limits = A CSV file saved as "CSV UTF-8", at most { $megabytes } MB and { $rows } rows. Every row is checked first; nothing is changed unless every row is good.
import-columns-heading = Columns
import-intro = The first line names the columns; email, name and role are needed, the others may be left out. A cell that starts with =, +, - or @ is refused as a formula (put ' before it to keep it as text).
import-col-email = the person's email: how they are matched (someone already registered is kept as they are)
import-col-name = the person's full name, in any language
import-col-organization = their ministry or department; trainees and supervisors need one, and a supervisor supervises people of their own organization
import-col-language = en or ar: the language of their pages and mail (may be empty)
import-col-role = trainee, supervisor, evaluator, chair or coordinator; several separated by ;
import-col-supervisor = for a trainee: their supervisor's email (a supervisor in the file or already registered as one)
import-col-title = for a trainee: their project's title
import-refused = Nothing was changed: { $count } problem(s) in the file ({ $listed } listed). Correct them and send the file again.
import-problem-line = Line { $line }: { $reason }
import-problem-file = The file: { $reason }
import-plan-heading = What the import would do
import-plan-summary = { $people } people: { $created } new, { $matched } already registered; { $started } project(s) started, { $supervisors } supervisor(s) marked, { $pooled } added to the committee pool, { $coordinators } coordinator(s) added. Nothing has changed yet.
import-line = Line
import-email = Email
import-person = Person
import-what = What happens
import-person-created = new
import-person-matched = already registered
import-role-trainee = trainee
import-role-supervisor = supervisor
import-role-evaluator = evaluator
import-role-chair = chair
import-role-coordinator = coordinator
import-effect-project-started = project started
import-effect-has-project = has a project in this cohort already (unchanged)
import-effect-supervisor-marked = marked as a supervisor
import-effect-supervisor = a supervisor already
import-effect-pool-added = added to the committee pool
import-effect-in-pool = in the committee pool already
import-effect-coordinator-added = made a coordinator of this cohort
import-effect-coordinator = a coordinator already
import-confirm = Import these people now
done-import = Imported { $people } people ({ $created } new): { $started } project(s) started, { $supervisors } supervisor(s) marked, { $pooled } added to the committee pool, { $coordinators } coordinator(s) added.

## A person's page (issue 16, part 4: trainers)
person-title = Person
person-link = Your certificates, cohorts and committees
person-certificates = Certificates
person-no-certificates = No certificates yet.
person-coordinates = Cohorts coordinated
person-committees = Committees
person-chair = chair
person-none = None.
