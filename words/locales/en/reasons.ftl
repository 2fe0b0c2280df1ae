## The engine's reasons in English: message `reason-CODE` for each code of
## gradflow_engine::reason::CODES, with the arguments that code carries.
## Workflow things (stages, actions, roles, milestones, fields, choices)
## arrive already in the workflow's words.

## How lists and roles are said.
reason-comma = {", "}
reason-semicolon = {"; "}
reason-join-or = { $init } or { $last }
reason-join-and = { $init } and { $last }
reason-nobody = nobody
reason-role = the { $role }
reason-role-trainee = the trainee
reason-role-supervisor = the supervisor
reason-role-coordinator = the coordinator
reason-role-committee = the committee member
reason-role-chair = the committee chair
reason-role-evaluator = the evaluator
reason-role-service_owner = the service owner
reason-role-department_head = the department head
reason-role-quality_office = the quality office
reason-role-steering = the steering group
reason-term-lre = left-to-right embedding
reason-term-rle = right-to-left embedding
reason-term-pdf = pop directional formatting
reason-term-lro = left-to-right override
reason-term-rlo = right-to-left override
reason-term-lri = left-to-right isolate
reason-term-rli = right-to-left isolate
reason-term-fsi = first strong isolate
reason-term-pdi = pop directional isolate
reason-term-lrm = left-to-right mark
reason-term-rlm = right-to-left mark
reason-term-alm = Arabic letter mark
reason-term-none = a control character
reason-deed-score = score this project
reason-deed-give-roles = give roles
reason-deed-add-evidence = add evidence files
reason-deed-milestone = { $step ->
    [accept] accept { $milestone }
    [return] return { $milestone }
   *[submit] submit { $milestone }
}

## Refusals of the decision core.
reason-stale = the project has changed since you looked at it (you saw version { $expected }, it is now at version { $actual }); look again and retry
reason-finished = the project is finished (stage '{ $stage }'); nothing more can be done
reason-unknown-action = '{ $action }' is not possible while the project is at '{ $stage }'; possible now: { $possible }
reason-nothing-possible = '{ $action }' is not possible while the project is at '{ $stage }'; nothing can be done by hand right now
reason-automatic = '{ $action }' happens automatically when { $condition }; nobody takes it by hand
reason-not-allowed-none = only { $allowed } may { $action }; you have no role on this project
reason-not-allowed-yours = only { $allowed } may { $action }; you are { $yours } on this project
reason-comment-required = a comment is required to { $action }: say what should change and why
reason-comment-too-long = the comment is { $length } characters long; at most { $limit } are allowed
reason-invalid-fields = the { $form } form is not right: { $problems }
reason-no-form = this action has no form; give only a comment
reason-condition-not-met = you cannot { $action } yet: { $why }
reason-already-approved = you have already approved '{ $action }'
reason-already-approved-waiting = you have already approved '{ $action }'; it is waiting for { $waiting }
reason-approval-not-needed = your approval would not count towards '{ $action }': the approvals given already cover { $yours }
reason-approval-not-needed-waiting = your approval would not count towards '{ $action }': the approvals given already cover { $yours }; it is waiting for { $waiting }
reason-unknown-role = '{ $role }' is not a role on projects of this program; its roles are: { $roles }
reason-already-member = this person is already { $role } on this project
reason-conflict-of-interest = a person who is { $held } on this project cannot also be { $role }
reason-holders-exactly = each project of this program has exactly { $count } { $count ->
    [one] person
   *[other] people
} as { $role }; this one would have { $people }
reason-holders-at-least = each project of this program has at least { $min } { $min ->
    [one] person
   *[other] people
} as { $role }; this one would have { $people }
reason-holders-at-most = each project of this program has at most { $max } { $max ->
    [one] person
   *[other] people
} as { $role }; this one would have { $people }
reason-holders-between = each project of this program has { $min } to { $max } people as { $role }; this one would have { $people }
reason-milestone-not-ready = milestone '{ $milestone }' is { $status ->
    [submitted] waiting for review
    [accepted] accepted
    [returned] returned for changes
   *[pending] not submitted yet
}; it cannot be { $step ->
    [accept] accepted
    [return] returned
   *[submit] submitted
} now
reason-already-scored = you have already scored this project
reason-scorecards-in = all { $evaluators } scorecards are already in
reason-calendar = a due date cannot be worked out: { $problem }; ask the coordinator to fix the cohort's dates
reason-unknown-stage = the project is in stage '{ $stage }', which its workflow does not have
reason-inconsistent = the project's record does not fit its workflow ({ $problem }); nothing was changed
reason-automatic-loop = automatic actions kept moving the project without end (stopped after { $moves } moves); the workflow needs fixing

## Whom an action still waits for.
reason-waiting-nobody = nobody
reason-waiting-each = { $roles }
reason-waiting-more = { $count } more { $count ->
    [one] approval
   *[other] approvals
} from { $roles }
reason-waiting-each-and-more = { $each }, and { $count } more { $count ->
    [one] approval
   *[other] approvals
} from { $roles }

## A form's answers, one problem each.
reason-field-unknown = '{ $name }' is not a field of this form (its fields are: { $fields })
reason-field-required = { $field } is required
reason-field-not-number = { $field }: '{ $value }' is not a number
reason-field-below-min = { $field }: { $value } is below the minimum of { $min }
reason-field-above-max = { $field }: { $value } is above the maximum of { $max }
reason-field-not-yes-no = { $field }: '{ $value }' is not yes or no
reason-field-not-date = { $field }: '{ $value }' is not a date; write it as YYYY-MM-DD
reason-field-not-choice = { $field }: '{ $value }' is not one of: { $choices }
reason-field-not-text = { $field }: '{ $value }' is not text
reason-field-too-long = { $field } is { $length } characters long; at most { $limit } are allowed
reason-field-one-line = { $field } must be a single line
reason-field-characters = { $field } contains { $kind ->
    [line-break] a line break ({ $char })
    [bidi] the bidirectional control { $char } ({ $name }), which makes text show in another order than it is written
   *[control] a control character ({ $char })
}; use plain text

## A scorecard's scores.
reason-criterion-unknown = '{ $name }' is not a criterion of this rubric (its criteria are: { $criteria })
reason-score-missing = { $criterion } needs a score
reason-score-not-whole = { $criterion }: '{ $value }' is not a whole number
reason-score-off-scale = { $criterion }: { $value } is off the scale { $min }..{ $max }

## Why a condition is false ("Not yet").
reason-milestones-not-accepted = every milestone must be accepted first (still open: { $open })
reason-milestones-not-submitted = every milestone must be submitted first (still open: { $open })
reason-milestone-not-accepted = milestone '{ $milestone }' must be accepted first
reason-milestone-not-submitted = milestone '{ $milestone }' must be submitted first
reason-assessment-quorum = the assessment needs { $needed } scorecards and has { $count }
reason-assessment-not-passed = the assessment has not reached the rubric's pass mark
reason-assessment-no-moderation = the evaluators' scores do not call for moderation
reason-assessment-needs-moderation = the evaluators' scores call for moderation first
reason-assessment-count = the assessment needs { $op ->
    [gt] more than
    [lt] fewer than
    [le] at most
    [eq] exactly
    [ne] other than
   *[ge] at least
} { $expected } scorecards and has { $actual }
reason-assessment-mean = the assessment's mean score must be { $op ->
    [gt] above
    [lt] below
    [le] at most
    [eq] exactly
    [ne] other than
   *[ge] at least
} { $expected }; it is { $actual }
reason-assessment-no-mean = the assessment's mean score must be { $op ->
    [gt] above
    [lt] below
    [le] at most
    [eq] exactly
    [ne] other than
   *[ge] at least
} { $expected }; nobody has scored yet
reason-field-is-no = { $field } must be yes
reason-field-is-yes = { $field } must be no
reason-field-not-given = { $field } is not given yet
reason-field-compare = { $field } must be { $op ->
    [gt] above { $expected }
    [lt] below { $expected }
    [le] at most { $expected }
    [ge] at least { $expected }
    [ne] other than { $expected }
   *[eq] { $expected }
}; it is { $actual ->
    [missing] not given yet
   *[other] { $actual }
}
reason-value-false = { $path } is false
reason-value-true = { $path } is true
reason-value-not-given = { $path } is not given yet
reason-value-compare = { $path } must be { $op ->
    [gt] above { $expected }
    [lt] below { $expected }
    [le] at most { $expected }
    [ge] at least { $expected }
    [ne] other than { $expected }
   *[eq] { $expected }
}; it is { $actual ->
    [missing] not given yet
   *[other] { $actual }
}
reason-condition-false = { $condition } is false
reason-condition-never = { $condition } is always false

## The service's own refusals.
reason-message = { $text }
reason-internal = something went wrong inside gradflow; nothing was changed. The operator can find the details in the log
reason-busy = the database was busy with another change for more than { $seconds } s; nothing was changed: try again in a moment
reason-database-away = the database cannot be reached just now; nothing was changed: try again in a moment
reason-changed = the project was changed by someone else at the same time; nothing was changed: look at the project again and retry
reason-read-only = the database is open read-only (its file cannot be written, or its URL says ?mode=ro or ?immutable=1), so nothing can be changed
reason-unknown-person = nobody is registered as { $email }
reason-unknown-project = there is no project { $project }
reason-unknown-message = there is no message { $message } in this cohort
reason-message-not-resendable = message { $message } is { $state }; only a sent, dead or failed message can be sent again (one waiting or being sent is on its way)
reason-person-exists = { $email } is already registered
reason-erase-open-roles = { $email } still holds a role on projects that are not finished: { $projects }; erase them once those projects have ended
reason-program-exists = a program '{ $program }' already exists
reason-cohort-exists = a cohort named '{ $cohort }' already exists
reason-cohort-full = cohort '{ $cohort }' is full: all { $capacity } places are taken
reason-cohort-places = cohort '{ $cohort }' has { $left } of its { $capacity } places left, not enough for { $count } projects
reason-text-empty = { $what ->
    [project-title] the project's title
    [organization] the organization
    [program-title] the program's title
    [cohort-name] the cohort's name
    [file-name] the file's name
    [reason] the reason
    [certificate-level] the certificate's level
    [awarding-body] the awarding body
    [accrediting-body] the accrediting body
   *[name] the name
} cannot be empty
reason-text-too-long = { $what ->
    [project-title] the project's title
    [organization] the organization
    [program-title] the program's title
    [cohort-name] the cohort's name
    [file-name] the file's name
    [reason] the reason
    [certificate-level] the certificate's level
    [awarding-body] the awarding body
    [accrediting-body] the accrediting body
   *[name] the name
} is { $length } characters long; at most { $limit } are allowed
reason-text-characters = { $what ->
    [project-title] the project's title
    [organization] the organization
    [program-title] the program's title
    [cohort-name] the cohort's name
    [file-name] the file's name
    [reason] the reason
    [certificate-level] the certificate's level
    [awarding-body] the awarding body
    [accrediting-body] the accrediting body
   *[name] the name
} contains { $kind ->
    [line-break] a line break ({ $char })
    [bidi] the bidirectional control { $char } ({ $name }), which makes text show in another order than it is written
   *[control] a control character ({ $char })
}; use plain text on one line
reason-not-an-email = '{ $email }' is not an email address (write it as name@example.org)
reason-language-unknown = '{ $language }' is not a language gradflow speaks; choose one of: { $languages }
reason-comment-characters = the comment contains { $kind ->
    [line-break] a line break ({ $char })
    [bidi] the bidirectional control { $char } ({ $name }), which makes text show in another order than it is written
   *[control] a control character ({ $char })
}; use plain text
reason-evidence-empty = the file is empty; choose a file with something in it
reason-evidence-quota = this file would take your uploads past the { $quota } MiB each person may store; nothing was stored
reason-evidence-name-mark = the file's name contains an invisible direction mark ({ $char }, { $name }), which can disguise what a file is; rename the file
reason-passwords-busy = the server is checking many passwords at once; try again in a few seconds
reason-reset-link-used = this password reset link has expired or was already used; ask for a new one
reason-password-wrong = the current password is not right; nothing was changed
reason-too-many-attempts = too many attempts; wait { $minutes } minutes and try again
reason-sign-in-refused = the email or the password is not right
reason-password-too-short = a password needs at least { $min } characters; this one has { $length }
reason-password-too-long = a password may have at most { $max } bytes

## Parts 5 and 6 of issue 15: extensions, calendar changes, the graduation checklist.
reason-deed-extend = extend a deadline
reason-deed-change-calendar = change the cohort's dates
reason-checklist-incomplete = the certificate cannot be issued yet: { $count ->
    [one] one item of the graduation checklist is missing
   *[other] { $count } items of the graduation checklist are missing
}: { $missing }
reason-extension-in-past = the new date { $due } is not in the future (it is now { $now }); choose a later date
reason-extension-stage-left = the project is no longer at '{ $stage }' (it is at '{ $current }'); that deadline cannot be extended any more
reason-extension-unknown-milestone = the workflow has no milestone '{ $milestone }'
reason-extension-no-deadline = the stage '{ $stage }' has no deadline to extend
reason-extension-no-due-date = the milestone { $milestone } has no due date to extend
reason-extension-no-project = { $email } has no open project in cohort { $cohort }
reason-extension-reason-required = say why: a reason is required
reason-calendar-unknown-date = the cohort has no date '{ $date }'; its dates are: { $dates }
reason-calendar-not-coordinator = { $email } does not coordinate cohort { $cohort }
reason-extension-bad-date = '{ $date }' is not a date; write it as YYYY-MM-DD

## calendar2 (issue 15, second round): the coordinators' dates form.
reason-extension-trainees = choose 1 to { $limit } trainees of the cohort, each with an open project
reason-calendar-unchanged = nothing to change: the dates and holidays given are the cohort's already
reason-calendar-too-many-holidays = the cohort would have { $holidays } holidays, more than a calendar holds ({ $limit }, a year of days): name only the days the institute is closed

## Moderation and the scoring rules (issue 15, part 4: moderation).
reason-deed-moderate-scores = moderate the scores
reason-deed-ask-rescore = ask an evaluator to score again
reason-decision-before-quorum = you cannot { $action } before quorum: it needs { $need } scorecards and { $have } are in
reason-moderation-needed = you cannot { $action } yet: the evaluators' scores differ by more than the rubric allows on { $criteria }, and the chair must moderate first
reason-moderation-not-called-for = the scores of { $criterion } differ by { $spread }, not more than { $above }: they do not call for moderation
reason-moderation-not-in-rubric = the { $form } rubric has no moderation threshold: scores are never moderated
reason-moderation-no-scores = give a moderated score for at least one of: { $criteria }
reason-rescore-not-called-for = no criterion's scores differ by more than { $above }: there is nothing to moderate, so no evaluator is asked to score again
reason-rescore-no-evaluators = name at least one evaluator to ask to score again
reason-rescore-not-evaluator = person { $person } is not an evaluator of this project
reason-rescore-not-scored = person { $person } has not scored this project, so there is no scorecard to set aside

## Committee (issue 15, parts 2 and 3): pools, conflicts, assignment.
reason-committee-pool-too-small = the committee pool is too small: { $wanted } evaluators are needed but only { $eligible } can be assigned; nothing was changed. Excluded: { $excluded }
reason-committee-excluded = { $person } ({ $why ->
    [organization] from the trainee's organization, { $detail }
    [supervisor] the trainee's supervisor
    [declared-trainee] declared a conflict with { $detail }
    [declared-organization] declared a conflict with the organization { $detail }
    [role] holds a role that conflicts: { $detail }
    [chair] chairs the committee
   *[assigned] already on this committee
})
reason-committee-no-assessment = the stage { $stage } has no assessment, so it has no committee to assign
reason-committee-replace-scored = this evaluator has already scored; their scorecard stands, so they cannot be replaced
reason-committee-not-evaluator = that person is not { $role } on this project
reason-committee-no-pool = the cohort { $cohort } has no committee pool yet; add members with gradflow committee pool add
reason-committee-not-in-pool = { $email } is not in this cohort's committee pool
reason-committee-conflict-target = say what the conflict is with: a trainee's email or an organization, not both
reason-committee-conflict-recorder = { $by } may not record a conflict of { $email }: only { $email } themselves or a coordinator may

## Committee and moderation gaps (issue 15, second round: committee2)
reason-committee-conflicted = this person may not judge this project as { $role }: { $why ->
    [organization] they are from the trainee's organization, { $organization }
    [supervisor] they supervise the trainee
    [declared-trainee] they declared a conflict of interest with the trainee
    [declared-organization] they declared a conflict of interest with the trainee's organization, { $organization }
   *[other] they have a conflict of interest with it
}; nothing was changed

## Certificates (issue 15, parts 1 and 7: certs)
reason-certificate-code-too-long = a certificate code has 28 letters and digits (dashes and spaces aside); this text is too long to be one
reason-certificate-code-characters = a certificate code has only letters, digits, dashes and spaces; this one contains other characters
reason-certificate-code-malformed = this is not a certificate code: a code has 28 letters and digits, written in groups of four (such as 7K3M-…)
reason-pattern-placeholder-unknown = the certificate number pattern '{ $pattern }' uses { $placeholder }, which gradflow does not know; use {"{"}year{"}"} and {"{"}seq{"}"} (or {"{"}seq:05{"}"} for five digits)
reason-pattern-no-sequence = the certificate number pattern '{ $pattern }' has no {"{"}seq{"}"}, so every certificate would get the same number; add {"{"}seq{"}"} or {"{"}seq:05{"}"}
reason-pattern-unbalanced = the certificate number pattern '{ $pattern }' has a brace without its partner; write placeholders as {"{"}year{"}"} and {"{"}seq{"}"}
reason-pattern-text = the certificate number pattern '{ $pattern }' must be 1 to 60 letters, digits and signs, without spaces
reason-validity-unknown = '{ $validity }' is not a validity gradflow knows; write none, or a number of years, months or days such as 3y, 18mo or 365d
reason-prerequisite-cycle = program '{ $program }' cannot require '{ $required }': '{ $required }' already requires '{ $program }', directly or through another program
reason-prerequisite-missing = { $person } does not hold a valid certificate of { $required }, which { $program } requires before a project starts
reason-certificate-unknown = no certificate is numbered or coded '{ $certificate }'
reason-certificate-number-ambiguous = more than one program gave the number '{ $number }'; name the certificate by its verification code
reason-certificate-revoked = certificate { $number } is already revoked; nothing was changed

## Open Badges 3.0 (issue 15, part 8: badges)
reason-signing-key-changed = another signing key was created or rotated at the same moment; nothing was changed by this one: see gradflow keys show, then run it again if a new key is still wanted
reason-credential-public-url = '{ $url }' is not a public address credentials can be built on: give the address people reach the site at, such as https://gradflow.institute.example (http or https, no query)

## Loading a cohort's people from a spreadsheet (issue 16, part 3: import)
reason-import-too-large = the file is larger than { $limit } MB: split it into smaller files; nothing was changed
reason-import-too-many-rows = the file has more than { $limit } rows: split it into smaller files; nothing was changed
reason-import-not-utf8 = the file is not UTF-8 text (save it from the spreadsheet as "CSV UTF-8")
reason-import-empty = the file is empty: its first line must name the columns (email, name, role, ...)
reason-import-csv = this line cannot be read as CSV: { $detail }
reason-import-column-unknown = there is no column '{ $column }'; the columns are: { $columns }
reason-import-column-twice = the column '{ $column }' is given twice
reason-import-column-missing = the column '{ $column }' is missing from the first line
reason-import-row-width = this row has { $found } cells where the first line names { $expected } columns
reason-import-formula = the { $column } cell starts like a spreadsheet formula (=, +, -, @); write it as text, or put ' before it
reason-import-duplicate-email = { $email } is already given on line { $first }: give each person one row (several roles are separated by ;)
reason-import-role-unknown = '{ $role }' is not a role an import gives; use one of: { $roles }
reason-import-role-missing = the role is empty; give trainee, supervisor, evaluator, chair or coordinator
reason-import-chair-twice = the committee has one chair, already given on line { $first }
reason-import-supervisor-missing = a trainee needs their supervisor's email in the supervisor column
reason-import-supervisor-self = a trainee cannot be their own supervisor
reason-import-supervisor-unknown = { $email } is not a supervisor: give them a row with the role supervisor, or mark them one in the directory
reason-import-supervisor-organization = the supervisor { $email } is of { $organization }, not of the trainee's organization ({ $trainee }): a supervisor supervises people of their own organization
reason-import-organization-missing = a { $role } needs an organization (supervisors supervise people of their own)
reason-import-trainee-only = the { $column } column is for trainees only; leave it empty on this row
reason-import-changed = someone started a project for { $email } in this cohort at the same time; nothing was changed: check the cohort and import again

## Intake (issue 16, part 1: apply)
reason-intake-closed = cohort '{ $cohort }' is not taking applications now; nothing was changed
reason-intake-not-supervisor = only a supervisor may nominate people for a cohort; ask the coordinator to mark you as a supervisor
reason-intake-self-nomination = a supervisor cannot nominate themselves; ask to join instead
reason-intake-other-organization = { $email } is not of your organization ({ $organization }): a supervisor nominates only people of their own organization
reason-intake-endorsement-needed = requests to join cohort '{ $cohort }' need your supervisor's endorsement: name your supervisor
reason-intake-self-endorsement = you cannot name yourself as your supervisor
reason-intake-not-a-supervisor = { $email } is not a supervisor; name your own supervisor
reason-intake-supervisor-organization = { $email } is of another organization ({ $organization }); name a supervisor of your own organization
reason-intake-offer-days = an offer stays open 1 to { $max } days, not { $days }
reason-intake-no-cohort = there is no cohort { $cohort }
reason-application-exists = this person already has an application to cohort '{ $cohort }' that is still open; nothing was changed
reason-application-closed = this application is { $state ->
    [declined] declined
    [withdrawn] withdrawn
   *[expired] expired (its offer was not taken in time)
}: nothing can change it any more
reason-application-not-allowed = { $deed ->
    [endorse] only the supervisor the request names may endorse it
    [refuse-endorsement] only the supervisor the request names may refuse to endorse it
    [accept] only a coordinator of the cohort may accept an application
    [wait-list] only a coordinator of the cohort may put an application on the waiting list
    [decline] only a coordinator of the cohort may decline an application
    [withdraw] only the candidate or a coordinator of the cohort may withdraw an application
    [offer] only a coordinator of the cohort may offer a place
    [take-offer] only the candidate may take the place offered
    [decline-offer] only the candidate may decline the place offered
    [expire] only the engine lets an offer lapse
    [withdraw-trainee] only the trainee or a coordinator of the cohort may withdraw a trainee
    [request] only the person themselves may ask to join
   *[other] you may not do this to this application
}
reason-application-state = an application that is { $state ->
    [submitted] waiting for its supervisor's endorsement
    [endorsed] waiting for a coordinator
    [accepted] accepted
    [waiting] on the waiting list
    [offered] offered a place
    [declined] declined
    [withdrawn] withdrawn
   *[expired] expired
} cannot be { $deed ->
    [endorse] endorsed
    [refuse-endorsement] refused endorsement
    [accept] accepted
    [wait-list] put on the waiting list
    [decline] declined
    [withdraw] withdrawn
    [offer] offered a place
    [take-offer] taken up
    [decline-offer] declined as an offer
    [expire] let lapse
    [withdraw-trainee] withdrawn as a trainee
   *[other] changed this way
}; nothing was changed
reason-application-accepted = this application was accepted and its project started: withdraw the trainee from the project instead
reason-application-needs-endorsement = this request waits for its supervisor's endorsement; a coordinator may accept it or put it on the waiting list once it is endorsed
reason-application-reason-required = { $deed ->
    [refuse-endorsement] say why you refuse to endorse it
    [decline] say why it is declined
   *[other] say why
}; nothing was changed
reason-application-not-first = a freed place goes to the first of the waiting list, and this application is not first
reason-application-offer-expired = the offer lapsed at { $expires }; the place went to the next on the waiting list
reason-application-offer-open = the offer is open until { $expires }; it cannot lapse before then
reason-application-unknown = there is no application { $application }
reason-application-cohort = application { $application } is not an application to cohort { $cohort }

## Withdrawal and places (issue 16, parts 2 and 5: places)
reason-withdrawal-no-stage = workflow { $workflow } marks no stage withdrawal: true, so its projects cannot be withdrawn; mark its terminal withdrawn stage withdrawal: true and publish a new version
reason-withdrawal-not-allowed = only the project's { $allowed } may withdraw it (a trainee withdraws their own project; a coordinator of its cohort, or the operator, withdraws anyone's, with a reason)
reason-withdrawal-reason = a coordinator's withdrawal needs a reason: say why the project ends

## Trainers who were trainees (issue 16, part 4: trainers)
reason-trainer-certificate-missing = { $person } does not hold a valid certificate of { $required }, which { $program } asks of { $role ->
    [coordinator] its cohorts' coordinators
   *[committee] its committee members
}; nothing was changed
reason-person-page-unknown = there is no person { $person } whose page you may see
reason-webhook-url-invalid = the webhook address must be an absolute URL with a host, e.g. https://hooks.example.com/gradflow
reason-webhook-url-too-long = the webhook address is longer than { $limit } characters
reason-webhook-url-https = the webhook address must use https, not { $scheme } (plain http only where the operator allows private addresses, for development)
reason-webhook-url-credentials = the webhook address may not carry a user name or password; the signature proves who sent it
reason-webhook-url-private = the webhook address { $host } is a { $range } address, inside the network; webhooks go only to public addresses unless the operator allows private ones
reason-webhook-events-none = name at least one event to subscribe to: { $known }
reason-webhook-event-unknown = '{ $event }' is not a webhook event; the events are { $known }
reason-webhook-too-many = this cohort already has { $limit } webhook subscriptions; remove one first
reason-unknown-webhook = there is no webhook subscription { $webhook } you may see
reason-unknown-webhook-delivery = there is no webhook delivery { $delivery } you may see
reason-webhook-delivery-not-resendable = webhook delivery { $delivery } is { $state }; only a sent, failed or dead delivery can be sent again (one waiting or being sent is on its way)
reason-webhook-disabled = webhook subscription { $webhook } is disabled (its receiver answered 410 Gone); subscribe the address again to receive events

# Calendar feeds (issue 17, part 4).
reason-calendar-unknown = no calendar has this address: make a new one on your profile

## The JSON API and its tokens (issue 17, part 1: api)
reason-token-invalid = the API token is not valid: it is unknown, expired or revoked; make a new one with gradflow user token create
reason-token-missing = the API needs a token: send the header Authorization: Bearer followed by a token from gradflow user token create
reason-token-read-only = this token may only read; acting needs a read-write token (gradflow user token create --scope read-write)
reason-token-scope = { $scope } is not a token scope: write read or read-write
reason-token-expiry = a token's expiry must be in the future and at most { $days } days away
reason-token-unknown = there is no API token { $id }
reason-api-content-type = the body must be { $expected }
reason-api-malformed = the body is not valid JSON (line { $line }, column { $column })
reason-api-unknown-field = { $field } is not a field of this request
reason-api-wrong-type = { $field } must be { $expected }
reason-api-missing-field = { $field } is missing
reason-api-too-large = the body is larger than { $limit } bytes
reason-api-bad-cursor = the cursor is not one this list gave: start again without it
reason-api-bad-parameter = the parameter { $name } has a value this route does not take
reason-api-not-found = there is nothing here: see /api/docs for the routes
reason-api-method = this address does not take { $method }: it takes { $allowed }
reason-idempotency-key = an idempotency key has 1 to { $max } characters (visible ASCII in an Idempotency-Key header)
reason-idempotency-key-reused = the idempotency key '{ $key }' was already used for a different request; nothing was done (use a new key for each new request)
