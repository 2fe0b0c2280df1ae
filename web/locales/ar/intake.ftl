## Intake mail (issue 16, part 1: apply). Variables: name (the recipient),
## cohort, program, candidate, supervisor, reason, note, position, application.
intake-received-mail-subject = { $kind ->
    [nomination] ترشيح للدفعة { $cohort }
   *[request] طلب انضمام إلى الدفعة { $cohort }
}
intake-received-mail-text = مرحبًا { $name }،

    { $kind ->
        [nomination] رشّح { $supervisor } { $candidate } للدفعة { $cohort } ({ $program }).
       *[request] يطلب { $candidate } الانضمام إلى الدفعة { $cohort } ({ $program }).
    }
    السبب: { $reason }

    تجده بين مرشحي الدفعة في gradflow (الطلب { $application })، وفيه تقبله أو تضعه على قائمة الانتظار أو ترفضه.
intake-endorse-mail-subject = يطلب { $candidate } تزكيتك لطلب انضمامه إلى الدفعة { $cohort }
intake-endorse-mail-text = مرحبًا { $name }،

    يطلب { $candidate } الانضمام إلى الدفعة { $cohort } ({ $program }) ويذكرك مشرفًا له.
    السبب: { $reason }

    زكِّ الطلب أو ارفضه مع ذكر السبب في gradflow (الطلب { $application }). يستطيع المنسّق قبوله بعد تزكيتك.
intake-accepted-mail-subject = القبول في الدفعة { $cohort }
intake-accepted-mail-text = مرحبًا { $name }،

    قُبل { $candidate } في الدفعة { $cohort } ({ $program }). بدأ مشروع التخرج في gradflow، وخطواته الأولى تنتظره هناك.
intake-waiting-mail-subject = على قائمة انتظار الدفعة { $cohort }
intake-waiting-mail-text = مرحبًا { $name }،

    طلبك للانضمام إلى الدفعة { $cohort } ({ $program }) على قائمة الانتظار، في المرتبة { $position }. إذا شغر مكان عُرض على أول القائمة بالبريد مع موعد لقبوله.
intake-declined-mail-subject = طلبك للانضمام إلى الدفعة { $cohort }
intake-declined-mail-text = مرحبًا { $name }،

    رُفض طلبك للانضمام إلى الدفعة { $cohort } ({ $program }).
    السبب: { $note }
