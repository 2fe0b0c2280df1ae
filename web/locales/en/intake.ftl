## Intake mail (issue 16, part 1: apply). Variables: name (the recipient),
## cohort, program, candidate, supervisor, reason, note, position, application.
intake-received-mail-subject = { $kind ->
    [nomination] A nomination for { $cohort }
   *[request] A request to join { $cohort }
}
intake-received-mail-text = Hello { $name },

    { $kind ->
        [nomination] { $supervisor } nominated { $candidate } for the cohort { $cohort } ({ $program }).
       *[request] { $candidate } asks to join the cohort { $cohort } ({ $program }).
    }
    Why: { $reason }

    You find it among the cohort's candidates on gradflow (application { $application }), where you accept it, put it on the waiting list or decline it.
intake-endorse-mail-subject = { $candidate } asks you to endorse their request to join { $cohort }
intake-endorse-mail-text = Hello { $name },

    { $candidate } asks to join the cohort { $cohort } ({ $program }) and names you as their supervisor.
    Why: { $reason }

    Endorse the request or refuse it, saying why, on gradflow (application { $application }). A coordinator can accept it once you have endorsed it.
intake-accepted-mail-subject = Accepted into { $cohort }
intake-accepted-mail-text = Hello { $name },

    { $candidate } is accepted into the cohort { $cohort } ({ $program }). The graduation project has started on gradflow; its first steps are waiting there.
intake-waiting-mail-subject = On the waiting list of { $cohort }
intake-waiting-mail-text = Hello { $name },

    Your application to the cohort { $cohort } ({ $program }) is on the waiting list, at place { $position }. When a place frees, it is offered to the first on the list, by mail, with a date to accept it by.
intake-declined-mail-subject = Your application to { $cohort }
intake-declined-mail-text = Hello { $name },

    Your application to the cohort { $cohort } ({ $program }) was declined.
    Why: { $note }
