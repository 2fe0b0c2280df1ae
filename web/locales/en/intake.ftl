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

## Offers of freed places (issue 16, part 2: places). Same variables, and
## offer_expires (the offer's deadline, in the cohort's time zone).
intake-offered-mail-subject = A place in { $cohort } is offered to you
intake-offered-mail-text = Hello { $name },

    A place has freed in the cohort { $cohort } ({ $program }), and you are the first on its waiting list: it is offered to you until { $offer_expires }.
    Take it or decline it on gradflow (application { $application }). If you do not answer by then, the place goes to the next on the list.
intake-expired-mail-subject = The place offered in { $cohort } has gone to the next on the list
intake-expired-mail-text = Hello { $name },

    The place offered to you in the cohort { $cohort } ({ $program }) was not taken by its deadline, so it has been offered to the next on the waiting list. You may ask to join a later cohort.
intake-place-freed-mail-subject = A place is free in { $cohort }
intake-place-freed-mail-text = Hello { $name },

    { $candidate } has withdrawn from the cohort { $cohort } ({ $program }); their project ended as withdrawn.
    Why: { $note }

    The place went at once to the first on the waiting list, if anyone is waiting; see the cohort's candidates on gradflow.
