# صفحات gradflow، العربية.
skip-to-content = انتقل إلى المحتوى
nav-label = الرئيسية
nav-home = مشاريعي
nav-signout = تسجيل الخروج
required = مطلوب
choose = اختر…
yes = نعم
no = لا
back-home = العودة إلى مشاريعي
overdue = متأخر
overdue-since = متأخر منذ { $when }
times-in = الأوقات بتوقيت { $zone }.
language-en = English (الإنجليزية)
language-ar = العربية

month-1 = يناير
month-2 = فبراير
month-3 = مارس
month-4 = أبريل
month-5 = مايو
month-6 = يونيو
month-7 = يوليو
month-8 = أغسطس
month-9 = سبتمبر
month-10 = أكتوبر
month-11 = نوفمبر
month-12 = ديسمبر

signin-title = تسجيل الدخول
signin-email = البريد الإلكتروني
signin-password = كلمة المرور
signin-submit = دخول
signin-refused = البريد الإلكتروني أو كلمة المرور غير صحيحة. تحقق منهما وحاول مرة أخرى.
reset-title = نسيت كلمة المرور
reset-explain = أدخل البريد الإلكتروني الذي تسجّل الدخول به. إن كان له حساب أُرسل إليه رابط لاختيار كلمة مرور جديدة؛ يعمل الرابط مرة واحدة خلال { $minutes } دقيقة.
reset-send = أرسل الرابط
reset-sent = إن كان للبريد { $email } حساب فالرابط لاختيار كلمة مرور جديدة في طريقه إليه. يعمل مرة واحدة خلال { $minutes } دقيقة. لم يصل شيء؟ انظر في البريد غير المرغوب فيه ثم اطلبه مرة أخرى.
reset-no-mail = لا يرسل هذا الموقع بريدًا. اطلب من موظفي المعهد تعيين كلمة مرور جديدة لك.
reset-back = العودة إلى تسجيل الدخول
reset-new-password = كلمة المرور الجديدة
reset-confirm = كلمة المرور نفسها مرة أخرى
reset-save = احفظ كلمة المرور الجديدة
reset-password-rule = { $min } أحرف على الأقل.
reset-mismatch = كلمتا المرور غير متطابقتين. اكتبهما مرة أخرى.
reset-link-dead = انتهت صلاحية هذا الرابط أو سبق استخدامه. اطلب رابطًا جديدًا.
reset-ask-again = اطلب رابطًا جديدًا
reset-done = تغيّرت كلمة المرور. سجّل الدخول بها.
signin-forgot = نسيت كلمة المرور؟
reset-mail-subject = اختر كلمة مرور جديدة لـ gradflow
reset-mail-text = مرحبًا { $name }،

    طلب أحدٌ (نرجو أن تكون أنت) اختيار كلمة مرور جديدة لـ gradflow.
    افتح هذا الرابط لاختيارها؛ يعمل مرة واحدة خلال { $minutes } دقيقة:

    { $link }

    إن لم تكن أنت فتجاهل هذه الرسالة: تبقى كلمة المرور كما هي.

home-title = مشاريعي
home-empty = لا توجد لديك مشاريع بعد.
home-awaiting = بانتظارك
home-waiting = بانتظار الآخرين
home-finished = منتهية
home-yours = يمكنك
home-cohorts = الدفعات التي تنسقها
home-outbox = الرسائل

project-title = المشروع
project-stage = المرحلة
project-cohort = الدفعة
project-your-roles = أدوارك
project-stages = سير العمل
project-current = (أنت هنا)
project-due = المواعيد المستحقة
project-nothing-due = لا شيء مستحق في هذه المرحلة.
project-actions = ما يمكنك فعله
project-no-actions = لا شيء بانتظارك في هذا المشروع الآن.
project-others = بانتظار الآخرين
project-blocked = ليس بعد
project-comment = تعليق
project-evidence = ملفات الأدلة
project-no-evidence = لا توجد ملفات بعد.
project-upload-label = الملف المراد إضافته (بحد أقصى { $limit })
project-upload = رفع
project-history = السجل

due-deadline = موعد { $stage }
due-milestone = موعد { $milestone }
waiting-roles = بانتظار { $roles }
action-milestone-submit = تقديم { $milestone }
action-milestone-accept = قبول { $milestone }
action-milestone-return = إعادة { $milestone } للتعديل
action-score = رصد الدرجات

event-started = بدأ المشروع في { $stage }
event-action_taken = { $action }
event-approval_recorded = موافقة على { $action } بصفة { $role }
event-moved = انتقل من { $from } إلى { $to }
board-version = تبدأ المشاريع الجديدة على الإصدار { $version } من سير العمل
event-migrated = نُقل من الإصدار { $from_version } لسير العمل ({ $from }) إلى الإصدار { $to_version } ({ $to })
event-milestone_submitted = سُلّم المعلم { $milestone }
event-milestone_accepted = قُبل المعلم { $milestone }
event-milestone_returned = أعيد المعلم { $milestone } للتعديل
event-scored = رُصدت الدرجات
event-deadline_passed = انقضى الموعد
event-milestone_late = تأخر المعلم { $milestone }
event-reminded = أُرسل تذكير
event-reminder_skipped = لم يُرسل التذكير: كان الموعد النهائي قد انقضى
event-effect_requested = طُلب: { $effect }
event-member_added = أصبح { $person } { $role }
# Committee (issue 15, parts 2 and 3).
event-member_removed = لم يعد { $person } { $role } (استُبدل)
event-committee_short = تعذّر تعيين اللجنة: ينقص { $missing } من المقيّمين ({ $role })؛ أُبلغ المنسقون
event-evidence_added = أضاف الملف { $name } ({ $size })

project-give-role = إسناد دور
project-role = الدور
role-trainee = المتدرب
role-supervisor = المسؤول المباشر
role-committee = عضو اللجنة
role-chair = رئيس اللجنة
role-coordinator = المنسق
project-submitted = ما قُدِّم
project-nothing-submitted = لم يُقدَّم شيء بعد.
project-scorecards = بطاقات التقييم
project-criterion = المعيار
project-score = الدرجة
milestone-pending = لم يُقدَّم بعد
milestone-submitted = بانتظار المراجعة
milestone-accepted = مقبول
milestone-returned = أُعيد للتعديل
milestone-late = متأخر

board-title = لوحة الدفعة
board-summary = { $count ->
    [zero] لا مشاريع
    [one] مشروع واحد
    [two] مشروعان
    [few] { $count } مشاريع
   *[other] { $count } مشروعًا
}
board-waits = بانتظار
board-overdue-count = { $count ->
    [zero] لا متأخر
    [one] متأخر واحد
    [two] متأخران
    [few] { $count } متأخرة
   *[other] { $count } متأخرًا
}
export-id = الرقم
export-title = العنوان
export-people = الأشخاص
board-by-stage = المشاريع حسب المرحلة
board-projects = المشاريع
board-export = تصدير (CSV)
board-overdue-heading = المشاريع المتأخرة، الأقدم تأخرًا أولًا
board-show-overdue = عرض المشاريع المتأخرة
board-stage-empty = لا يوجد مشروع في هذه المرحلة.
board-none-overdue = لا يوجد مشروع متأخر.
board-pages = الصفحات
board-page = الصفحة { $page } من { $pages }
board-previous = الصفحة السابقة
board-next = الصفحة التالية

outbox-title = الرسائل
outbox-caption = أحدث الرسائل عن مشاريع هذه الدفعة
outbox-project = المشروع
outbox-template = الرسالة
outbox-to = إلى
outbox-state = الحالة
outbox-attempts = المحاولات
outbox-when = أُرسلت أو تستحق
outbox-empty = لا رسائل بعد.

profile-title = الملف الشخصي
profile-name = الاسم
profile-email = البريد الإلكتروني
profile-organization = الجهة
profile-language = لغة الصفحات
profile-save = حفظ

password-title = تغيير كلمة المرور
password-current = كلمة المرور الحالية
password-save = غيّر كلمة المرور
password-signs-out = يُسجَّل خروج كل متصفح آخر دخلت منه بحسابك.
password-changed = تغيّرت كلمة المرور، وسُجِّل خروج المتصفحات الأخرى.
password-current-wrong = كلمة المرور الحالية غير صحيحة. لم يتغير شيء.

status-400 = الطلب غير صحيح
status-403 = غير مسموح
status-404 = غير موجود
status-409 = تغيّر المشروع
status-410 = حُذف الملف
status-413 = الملف أكبر من المسموح
status-429 = محاولات كثيرة
status-500 = حدث خطأ
status-503 = النظام مشغول، حاول مجددًا

error-csrf = انتهت صلاحية هذا النموذج أو لم يأتِ من gradflow. لم يتغير شيء. ارجع وأعد تحميل الصفحة ثم حاول مجددًا.
error-invalid = ما أُرسل غير صحيح. لم يتغير شيء.
error-not-found = لا توجد صفحة كهذه، أو ليس لك الاطلاع عليها.
error-forbidden = لا يمكنك القيام بهذا. لم يتغير شيء.
error-conflict = غيّر شخص آخر المشروع أثناء اطلاعك عليه. لم يتغير شيء: افتح المشروع مجددًا وحاول مرة أخرى.
error-busy = النظام مشغول. لم يتغير شيء: حاول بعد لحظات.
error-internal = حدث خطأ داخل gradflow. لم يتغير شيء؛ يجد المشغّل التفاصيل في السجل.
error-evidence-missing = هذا الملف مسجّل في سجل المشروع، لكن محتواه مفقود من مخزن الخادم. لم يتغير شيء؛ يجد المشغّل اسم الملف في السجل.
error-too-large = الملف أكبر من المسموح. لم يُحفظ شيء.
error-empty-file = الملف فارغ. لم يُحفظ شيء: اختر ملفًا فيه محتوى.
error-quota = استخدمت كل المساحة المتاحة لملفاتك. لم يُحفظ شيء: اطلب من موظفي المعهد مساحة أكبر.
error-too-many-attempts = محاولات دخول فاشلة كثيرة. انتظر ربع ساعة ثم حاول مجددًا.
error-bad-request = تعذرت قراءة النموذج. لم يتغير شيء.

# ── people: confirmations, the give-a-role form, the outbox in words, the export ──
done-action = تم: «{ $action }».
done-moved = أصبح المشروع الآن في مرحلة: { $stage }.
done-approval-recorded = سُجّلت موافقتك، والإجراء بانتظار بقية الموافقات المطلوبة.
done-milestone-submitted = قُدّم «{ $milestone }».
done-milestone-accepted = قُبل «{ $milestone }».
done-milestone-returned = أُعيد «{ $milestone }» للتعديل.
done-scored = سُجّلت درجاتك.
done-role-given = أصبح { $person } بصفة { $role } في هذا المشروع.
done-evidence = أُضيف «{ $name }» إلى الأدلة.
done-profile = حُفظ ملفك الشخصي.
done-password = تغيّرت كلمة المرور، وسُجِّل خروج المتصفحات الأخرى.
done-resend = ستُرسل الرسالة إلى { $email } مجددًا بعد قليل.
done-told = أُبلغ بالبريد الإلكتروني: { $names }.
done-told-nobody = لم يُرسل بريد إلى أحد بشأن هذا.

give-role-placeholder = اختر دورًا
give-role-choose = اختر دورًا للشخص. لم يتغير شيء.
give-role-unknown-email = لا يوجد أحد مسجَّل في gradflow بالبريد الإلكتروني { $email }. لم يتغير شيء. تحقق من كتابة العنوان، أو اطلب من مشغّل النظام إضافة الشخص (gradflow person add EMAIL --name "الاسم الكامل")، ثم أسند الدور من جديد.

confirm-title = هل أنت متأكد؟
confirm-check = نعم، أقصد ذلك: لا يمكن التراجع عن «{ $action }».
confirm-needed = ضع علامة في المربع لتأكيد «{ $action }». لم يتغير شيء.

outbox-subject = الموضوع
outbox-preview = معاينة
outbox-resend = إعادة الإرسال
outbox-message-title = الرسالة { $id }
outbox-text = نص الرسالة
outbox-no-preview = لا يمكن عرض هذه الرسالة: { $reason }
outbox-state-pending = بانتظار الإرسال
outbox-state-claimed = يجري إرسالها الآن
outbox-state-sent = أُرسلت
outbox-state-failed = لم تُرسل بعد: لم يقبلها خادم البريد، وسيعيد gradflow المحاولة
outbox-state-dead = توقفت المحاولات: كفّ gradflow عن المحاولة. يمكنك إعادة إرسالها.
outbox-tries = { $count ->
    [zero] لا محاولات
    [one] محاولة واحدة
    [two] محاولتان
    [few] { $count } محاولات
   *[other] { $count } محاولة
}
outbox-tpl-proposal_submitted = مقترح بانتظار المراجعة
outbox-tpl-changes_requested = طلب تعديلات
outbox-tpl-milestone_submitted = مرحلة فرعية بانتظار المراجعة
outbox-tpl-milestone_returned = إعادة مرحلة فرعية للتعديل
outbox-tpl-milestone_accepted = قبول مرحلة فرعية
outbox-tpl-ready_for_evaluation = جاهز للتقييم
outbox-tpl-moderation_needed = مطلوب مراجعة رئيس اللجنة
outbox-tpl-certified = اعتماد المشروع
outbox-tpl-not_certified = عدم اعتماد المشروع
outbox-tpl-deadline_reminder = تذكير بموعد نهائي
outbox-tpl-overdue_digest = مشاريع متأخرة
outbox-tpl-overdue_notice = إشعار تأخر
outbox-tpl-proposal_endorsed = اعتماد المقترح
outbox-tpl-proposal_approval = صدور موافقة
outbox-tpl-more_work_requested = طلب استكمال العمل
outbox-tpl-project_withdrawn = سحب المشروع
outbox-tpl-proposal_rejected = عدم قبول المقترح
outbox-tpl-passed_for_accreditation = النجاح بانتظار الاعتماد
outbox-tpl-charter_submitted = ميثاق بانتظار الموافقة
outbox-tpl-pilot_reported = تقرير تجربة بانتظار المراجعة
outbox-tpl-initiative_adopted = تعميم المبادرة
outbox-tpl-charter_approval = صدور موافقة
outbox-tpl-charter_sent_back = إعادة الميثاق للتعديل
outbox-tpl-initiative_declined = رفض المبادرة
outbox-tpl-initiative_cancelled = إلغاء المبادرة
outbox-tpl-measurement_submitted = قياس بانتظار المراجعة
outbox-tpl-measurement_accepted = قبول قياس
outbox-tpl-measurement_returned = إعادة قياس للتعديل
outbox-tpl-pilot_extended = تمديد التجربة
outbox-tpl-initiative_abandoned = إيقاف المبادرة

export-due = الموعد المستحق
export-days-in-stage = الأيام في المرحلة
export-scores = الدرجات
export-mean = متوسط الدرجات
export-decision = القرار
export-improvement = التحسن
project-ends = ينتهي بإحدى النتائج التالية:
project-ends-or = أو
## next-: ما التالي، ودور من، وفي أي موعد (المسألة 14، الجزء 3)
next-heading = ما التالي
next-line = التالي: { $action } — { $who }
next-line-due = التالي: { $action } — { $who }، في موعد أقصاه { $when }
next-rule = ({ $days ->
    [zero] لا أيام عمل
    [one] يوم عمل واحد
    [two] يوما عمل
    [few] { $days } أيام عمل
   *[other] { $days } يوم عمل
}؛ العطلة: { $weekend })
next-done = أتمّه { $people }
next-nobody = لم يُسنَد دور { $roles } إلى أحد بعد
next-finished = انتهى المشروع: { $stage }، في { $when }
next-idle = لا تنتظر هذه المرحلة أحدًا الآن.
next-people = المشاركون في المشروع
next-times-in = الأوقات { $zone }.
next-zone = بتوقيت { $city }
next-when = { $day } { $when }
next-and = { $first } و{ $last }
next-days = { $days ->
    [zero] أقل من يوم في هذه المرحلة
    [one] يوم واحد في هذه المرحلة
    [two] يومان في هذه المرحلة
    [few] { $days } أيام في هذه المرحلة
   *[other] { $days } يومًا في هذه المرحلة
}
next-due = الموعد: { $when }
next-waits-for = بانتظار { $who }
next-city-muscat = مسقط
next-city-dubai = دبي
next-city-riyadh = الرياض
next-city-doha = الدوحة
next-city-bahrain = البحرين
next-city-kuwait = الكويت
next-weekday-1 = الاثنين
next-weekday-2 = الثلاثاء
next-weekday-3 = الأربعاء
next-weekday-4 = الخميس
next-weekday-5 = الجمعة
next-weekday-6 = السبت
next-weekday-7 = الأحد
## التقييم وفق المعايير، ولوحة قرار رئيس اللجنة، وسطر التحسين (routes/scoring.rs)
score-heading = التقييم
score-work = العمل المطلوب تقييمه
score-yours = درجاتك
score-mine = بطاقة تقييمك كما قدّمتها
score-full = اكتملت جميع بطاقات التقييم التي يحتاجها هذا المشروع.
score-weight = الوزن { $weight }
score-scale = اختر مستوى واحدًا لكل معيار، من { $min } إلى { $max }.
score-rule-both = ينجح المشروع إذا بلغ المتوسط الموزون { $mean } على الأقل ولم يقل أي معيار عن { $each }، وذلك بعد أن { $count ->
    [one] يقيّمه مقيّم واحد
    [two] يقيّمه مقيّمان
   *[other] يقيّمه { $count } من المقيّمين
    }.
score-rule-mean = ينجح المشروع إذا بلغ المتوسط الموزون { $mean } على الأقل، وذلك بعد أن { $count ->
    [one] يقيّمه مقيّم واحد
    [two] يقيّمه مقيّمان
   *[other] يقيّمه { $count } من المقيّمين
    }.
score-rule-each = ينجح المشروع إذا لم يقل أي معيار عن { $each }، وذلك بعد أن { $count ->
    [one] يقيّمه مقيّم واحد
    [two] يقيّمه مقيّمان
   *[other] يقيّمه { $count } من المقيّمين
    }.
panel-heading = لوحة القرار
panel-caption = الدرجات حسب المعيار والمقيّم
panel-weight = الوزن
panel-mean = المتوسط
panel-spread = التباين
panel-below = دون الحد الأدنى
panel-wide = تباين كبير
panel-mean-ok = المتوسط الموزون { $mean }: لا يقل عن { $at_least } كما تشترط قاعدة النجاح.
panel-mean-short = المتوسط الموزون { $mean }: أقل من { $at_least } الذي تشترطه قاعدة النجاح.
panel-each-ok = أدنى متوسط لمعيار { $lowest } ({ $criterion }): لا يقل أي معيار عن { $at_least }.
panel-each-short = أدنى متوسط لمعيار { $lowest } ({ $criterion }): أقل من { $at_least } الذي يحتاجه كل معيار.
panel-spread-ok = تتفق تقديرات المقيّمين: لا يزيد الفرق بين الدرجات في أي معيار على { $above }.
panel-spread-wide = تتباين تقديرات المقيّمين: يزيد الفرق بين الدرجات في أحد المعايير على { $above }، وهو حد المراجعة.
panel-quorum = { $count ->
    [0] لم تصل أي بطاقة تقييم
    [one] وصلت بطاقة تقييم واحدة
    [two] وصلت بطاقتا تقييم
   *[other] وصلت { $count } بطاقات تقييم
    } من أصل { $evaluators } مقيّمين؛ ويلزم { $quorum } لاعتماد النتيجة.
panel-verdict-passes = وفق هذه الأرقام ينجح المشروع.
panel-verdict-not-yet = وفق هذه الأرقام لا ينجح المشروع (حتى الآن).
panel-decisions = القرارات
panel-possible = متاح الآن
panel-not-possible = غير متاح بعد
panel-why-scorecards = يلزم { $need } من بطاقات التقييم، { $have ->
    [0] ولم تصل أي بطاقة بعد
    [one] ووصلت بطاقة واحدة
    [two] ووصلت بطاقتان
   *[other] ووصلت { $have } بطاقات
    }.
panel-why-not-passed = المشروع لا ينجح: { $reasons }.
panel-short-quorum = { $have ->
    [0] لم تصل أي بطاقة تقييم
    [one] وصلت بطاقة تقييم واحدة
    [two] وصلت بطاقتا تقييم
   *[other] وصلت { $have } بطاقات تقييم
    } من { $need } لازمة
panel-short-mean = المتوسط الموزون { $mean } أقل من { $at_least }
panel-short-criterion = متوسط { $criterion } هو { $mean }، وهو أقل من { $at_least }
panel-why-passes = المشروع ناجح، فلا يناسبه هذا القرار.
panel-why-agree = تقديرات المقيّمين متفقة، فلا حاجة إلى المراجعة.
panel-why-disagree = تتباين تقديرات المقيّمين أكثر مما تسمح به المعايير؛ ويجب مراجعة الدرجات أولًا.
panel-why-figure = { $figure } هو { $value }؛ ويشترط سير العمل { $op } { $bound }.
panel-figure-mean = المتوسط الموزون
panel-figure-count = عدد بطاقات التقييم
panel-why-condition = لم يتحقق شرطه ({ $condition }).
improve-line = { $what } { $before } ← { $after }{ $unit } ({ $percent })
improve-line-plain = { $what } { $before } ← { $after }{ $unit }
improve-better = أفضل
improve-worse = أسوأ
## Refusals and reasons (issue 14, part 1): the summary above a refused form.
reason-summary = لم يتم هذا. يُرجى تصحيح ما يلي:

# Your data (profile): what gradflow keeps about the signed-in person.
data-link = بياناتك: كل ما يحفظه gradflow عنك
data-title = بياناتك
data-intro = كل ما يحفظه gradflow عنك: بياناتك، وأدوارك، وملفات الأدلة التي أضفتها، والرسائل المرسلة إليك. ويضم الملف المنزَّل ذلك كله مع كل حدث شاركت فيه وإجاباتك وتعليقاتك.
data-download = تنزيل البيانات كلها (JSON)
data-you = بياناتك الشخصية
data-created = تاريخ التسجيل
data-sessions = المتصفحات المسجَّل دخولها
data-events = الأحداث المتعلقة بك في سجلات المشاريع
data-roles = أدوارك
data-files = ملفات الأدلة التي أضفتها
data-messages = الرسائل المرسلة إليك
data-none = لا شيء.
data-removed = (حُذف الملف نفسه بعد انتهاء مدة الاحتفاظ)
data-rights = لتصحيح اسمك أو بريدك الإلكتروني، أو لمحو بياناتك، راسل منسق البرنامج أو مسؤول حماية البيانات في المعهد.
error-evidence-removed = حُذف هذا الملف بعد انتهاء مدة الاحتفاظ التي تلي انتهاء مشروعه. وما زال اسمه وحجمه وبصمته في سجل المشروع.

# نموذج عاد لأن المشروع تغيّر أثناء تعبئته.
busy-deadline-moved = أثناء كتابتك انقضى الموعد النهائي وانتقل المشروع إلى { $stage }. لم يُرسل شيء.
busy-moved = أثناء كتابتك انتقل المشروع إلى { $stage }. لم يُرسل شيء.
busy-deadline = أثناء كتابتك انقضى الموعد النهائي. لم يُرسل شيء.
busy-changed = أثناء كتابتك غيّر شخص آخر المشروع. لم يُرسل شيء.
busy-send-again = ما زال بالإمكان تنفيذ «{ $action }»: ما كتبته موجود في نموذجه أدناه. راجعه ثم أرسله مجددًا.
busy-gone = لم يعد بالإمكان تنفيذ «{ $action }» الآن. ما كتبته محفوظ أدناه لتتمكن من نسخه، وما يمكنك فعله الآن تجده تحت «ما يمكنك فعله».
busy-kept = ما كتبته

## Parts 5 and 6 of issue 15: extensions, calendar changes, the graduation checklist.
event-extended = مُدِّد الموعد النهائي لـ { $stage } إلى { $due }
event-milestone_extended = مُدِّد موعد استحقاق المعلم { $milestone } إلى { $due }
event-calendar_changed = تغيّرت مواعيد الدفعة وأُعيد تخطيط المواعيد النهائية
due-extended-by = (مدّده { $name }: { $reason })
due-extended = (مُدِّد: { $reason })
checklist-heading = قائمة متطلبات التخرج
checklist-complete = استُوفيت جميع البنود: يمكن إصدار الشهادة.
checklist-missing = { $count ->
    [one] بقي بند واحد لم يستوفَ قبل إصدار الشهادة.
   *[other] بقي { $count } بنود لم تستوفَ قبل إصدار الشهادة.
}
checklist-done = مستوفى
checklist-not-done = ناقص
done-extended = مُدِّد الموعد: التاريخ الجديد { $due }؛ وأُعيد تخطيط التذكيرات.
extend-heading = تمديد موعد
extend-what = ما الذي يُمدَّد
extend-date = التاريخ الجديد
extend-reason = السبب
extend-submit = تمديد

## Moderation on the decision panel (issue 15, part 4: moderation).
event-score_moderated = راجع رئيس اللجنة درجة { $criterion }
event-rescore_requested = طلب رئيس اللجنة من { $people } إعادة التقييم
done-moderated = سُجّلت الدرجات المعدّلة لـ: { $criteria }. تحتسبها لوحة القرار الآن، ويمكن اتخاذ القرار متى استوفيت بقية الشروط.
done-rescore-requested = نُحّيت بطاقة التقييم وطُلب من المقيّم إعادة التقييم. لا يمكن اتخاذ أي قرار قبل وصول بطاقته الجديدة.
panel-spread-moderated = تباينت تقديرات المقيّمين بأكثر من { $above } في أحد المعايير، وقد راجعه رئيس اللجنة.
panel-moderation-heading = المراجعة
panel-moderation-needed = يلزم أن يراجع رئيس اللجنة الدرجات قبل أي قرار: { $criteria }.
panel-moderation-done = اكتملت المراجعة: الأرقام أعلاه تحتسب الدرجات المعدّلة.
panel-moderated = راجع { $who } درجة { $criterion }: متوسط المقيّمين { $before }، والدرجة المعدّلة { $after }.
panel-moderated-reason = السبب
panel-moderated-col = بعد المراجعة
panel-before-same = كان المتوسط الموزون قبل المراجعة { $before }، وهو الآن { $after }. والنتيجة لم تتغير.
panel-before-now-passes = كان المتوسط الموزون قبل المراجعة { $before } ولم يكن المشروع ناجحًا، وهو الآن { $after } والمشروع ناجح.
panel-before-now-fails = كان المتوسط الموزون قبل المراجعة { $before } وكان المشروع ناجحًا، وهو الآن { $after } والمشروع غير ناجح.
panel-why-quorum = لا قرار قبل اكتمال النصاب: يلزم { $need } من بطاقات التقييم، { $have ->
    [0] ولم تصل أي بطاقة بعد
    [one] ووصلت بطاقة واحدة
    [two] ووصلت بطاقتان
   *[other] ووصلت { $have } بطاقات
    }.
panel-why-moderate = يجب أن يراجع رئيس اللجنة الدرجات أولًا: { $criteria }.
moderate-heading = مراجعة الدرجات
moderate-hint = أدخل درجة معدّلة لكل معيار تراجعه (واترك غيره فارغًا)، واذكر السبب. تحل محل متوسط المقيّمين لذلك المعيار في كل الأرقام.
moderate-none = (دون مراجعة)
moderate-reason = السبب (مطلوب)
moderate-submit = تسجيل الدرجات المعدّلة
rescore-heading = طلب إعادة التقييم من مقيّم
rescore-hint = تُنحّى بطاقة تقييمه ويُبلغ بالبريد الإلكتروني، وتُلغى الدرجات المعدّلة. لا يمكن اتخاذ أي قرار قبل وصول بطاقته الجديدة.
rescore-evaluator = المقيّم
rescore-submit = طلب إعادة التقييم

# Committee (issue 15, parts 2 and 3): the board's button.
board-committee-assign = تعيين اللجان من المجموعة
board-committee-assign-hint = يحصل كل مشروع في مرحلة التقييم على ما ينقصه من المقيّمين؛ لا أحد من جهة عمل المتدرب ولا مشرفه ولا من صرّح بتعارض مصالح.
done-committee-assigned = عدد المشاريع التي عُيّن مقيّموها الآن: { $count }؛ وأُبلغ كل مقيّم بالبريد.

## Certificates (issue 15, parts 1 and 7: certs)
home-certificates = شهاداتك
certificate-title = شهادة
certificate-heading = شهادة
certificate-certifies = يُشهد بأن
certificate-completed = أتمّ { $program } في مستوى { $level }.
certificate-project = مشروع التحسين:
certificate-number = رقم الشهادة
certificate-issued = تاريخ الإصدار
certificate-expires = سارية حتى
certificate-never-expires = لا تنتهي صلاحيتها
certificate-accredited = الجهة المعتمِدة
certificate-check = يمكن لأي أحد التحقق من هذه الشهادة على العنوان
certificate-code = رمز التحقق:
certificate-qr-alt = رمز QR لعنوان التحقق من هذه الشهادة
certificate-other-language = English
certificate-print-hint = اطبع هذه الصفحة للحصول على نسخة ورقية.
certificate-status-valid = هذه الشهادة سارية.
certificate-status-expired = انتهت صلاحية هذه الشهادة.
certificate-credential = تنزيل الشارة المفتوحة (شهادة رقمية موقّعة)
certificate-status-revoked = أُلغيت هذه الشهادة.
verify-title = التحقق من شهادة
verify-unknown = لا توجد شهادة بهذا الرمز. تأكد من كتابته كما هو مطبوع.
verify-holder = مُنحت لـ
verify-program = البرنامج
verify-awarding = الجهة المانحة
verify-revoked-on = تاريخ الإلغاء

## The coordinators' dates page (calendar2, issue 15).
board-dates = المواعيد والتمديدات
dates-title = المواعيد والتمديدات
dates-board = العودة إلى لوحة الدفعة
dates-extend-heading = منح متدربين موعدًا جديدًا
dates-trainees = المتدربون الذين لهم مشروع مفتوح
dates-no-trainees = ليس لأي متدرب في هذه الدفعة مشروع مفتوح.
dates-extend-hint = يحصل كل متدرب مختار على الموعد الجديد في مشروعه المفتوح، ويُسجَّل هذا السبب في سجله؛ ويُعاد تخطيط تذكيراته وتصعيداته.
dates-calendar-heading = تغيير مواعيد الدفعة وعطلها
dates-remove-holidays = عطل تُلغى (تصبح أيام عمل)
dates-add-holiday = إضافة عطلة
dates-calendar-hint = يُعاد تخطيط مواعيد كل مشروع مفتوح وتذكيراته وتصعيداته على التقويم الجديد، ويُسجَّل هذا السبب في سجله.
dates-calendar-submit = تغيير التقويم
done-dates-extended = مُنح موعد جديد في { $count } مشروع/مشاريع: الاستحقاق الآن { $date }. وأُعيد تخطيط المواعيد والتذكيرات والتصعيدات.
done-calendar-changed = تغيّر تقويم الدفعة: أُعيد تخطيط { $count } مشروع/مشاريع مفتوحة (وتُركت { $left } منتهية كما هي).
done-dates-next = { $project } — { $next }
done-dates-more = … و{ $count } مشروع/مشاريع أخرى: انظر لوحة الدفعة.

## Committee and moderation gaps (issue 15, second round: committee2): "Your data".
data-pools = لجان التقييم التي أنت عضو في مجموعتها
data-pool-chair = رئيس
data-conflicts = تعارضات المصالح التي صرّحت بها
data-conflict-trainee = مع المتدرب { $email }: { $reason } ({ $at })
data-conflict-organization = مع الجهة { $organization }: { $reason } ({ $at })

## Intake (issue 16, part 1 on the web: pages): nominations, requests to
## join, endorsements, the coordinators' candidates list.
home-intake-heading = الطلبات والترشيحات
home-intake-applications = { $count ->
    [one] طلبك
    [two] طلباك
   *[other] طلباتك ({ $count })
}
home-intake-join = { $count ->
    [one] اطلب الانضمام إلى دفعة (دفعة واحدة مفتوحة)
    [two] اطلب الانضمام إلى دفعة (دفعتان مفتوحتان)
   *[other] اطلب الانضمام إلى دفعة (المفتوحة: { $count })
}
home-intake-endorse = { $count ->
    [0] رشّح أشخاصًا من جهتك
    [one] طلب واحد ينتظر تزكيتك
    [two] طلبان ينتظران تزكيتك
   *[other] طلبات تنتظر تزكيتك: { $count }
}
home-candidates = المرشحون
board-candidates = المرشحون
intake-state-submitted = مقدَّم
intake-state-endorsed = مُزكّى
intake-state-accepted = مقبول
intake-state-waiting = في قائمة الانتظار
intake-state-waiting-at = في قائمة الانتظار، رقم { $position }
intake-state-offered = عُرض عليه مقعد
intake-state-declined = مرفوض
intake-state-withdrawn = مسحوب
intake-state-expired = انتهت مهلة العرض
intake-kind-nomination = رشّحه { $name }
intake-kind-request = طلب الانضمام
intake-kind-request-supervisor = طلب الانضمام؛ المشرف { $name }
intake-received = وصل في { $when }
intake-reason = السبب
intake-why = السبب
intake-open-project = افتح المشروع
intake-offer-until = عُرض مقعد حتى { $when }.
intake-next = التالي: { $step }
intake-next-by = التالي: { $step }، في موعد أقصاه { $when }
intake-next-endorse = يزكّي { $who } الطلب أو يرفضه
intake-next-decide = يقرر المنسق: { $who }
intake-next-take = يقبل { $who } المقعد المعروض أو يعتذر عنه
intake-next-wait = عندما يتاح مقعد يُعرض بترتيب قائمة الانتظار ({ $who } رقم { $position })
intake-next-project = يبدأ { $who } المشروع
intake-next-none = لا شيء: هذا الطلب مغلق
applications-title = طلباتك
applications-none = ليس لديك أي طلب بعد.
applications-join = اطلب الانضمام إلى دفعة
applications-no-open = لا توجد دفعة مفتوحة للطلبات الآن.
applications-places = المقاعد المشغولة { $taken } من { $capacity }
applications-program = البرنامج: { $program }
applications-supervisor-email = البريد الإلكتروني لمشرفك
applications-supervisor-needed = يطلب هذا البرنامج أن يزكّي مشرفك طلبك قبل أن يقرر المنسق.
applications-supervisor-optional = اختياري: لا يحتاج هذا البرنامج إلى تزكية.
applications-reason = لماذا تريد الانضمام
applications-request-submit = اطلب الانضمام
applications-withdraw = اسحب الطلب
applications-withdraw-reason = سبب السحب (اختياري)
applications-offer-take = اقبل المقعد
applications-offer-decline = اعتذر عن المقعد
supervision-title = الترشيحات والتزكيات
supervision-endorse-heading = طلبات تنتظر تزكيتك
supervision-no-requests = لا يوجد طلب ينتظر تزكيتك.
supervision-endorse = زكِّ
supervision-refuse = ارفض
supervision-refuse-reason = سبب الرفض
supervision-nominate-heading = رشّح شخصًا من جهتك
supervision-person = الشخص
supervision-cohort = الدفعة
supervision-reason = لماذا ترشحه
supervision-nominate-submit = رشّح
supervision-no-people = لا يوجد الآن من جهتك من يمكن ترشيحه.
supervision-mine-heading = ترشيحاتك وتزكياتك
supervision-none = لم ترشح أو تزكِّ أحدًا بعد.
candidates-title = المرشحون
candidates-board = العودة إلى لوحة الدفعة
candidates-places = المقاعد المشغولة { $taken } من { $capacity }؛ المتبقي { $left }.
candidates-open = مفتوحة للطلبات.
candidates-closed = مغلقة أمام الطلبات.
candidates-filter-heading = أي المرشحين
candidates-state = الحالة
candidates-state-all = كل الحالات
candidates-sort = الترتيب حسب
candidates-sort-created = تاريخ الوصول (الأقدم أولًا)
candidates-sort-name = الاسم
candidates-sort-state = الحالة
candidates-sort-organization = الجهة
candidates-show = اعرض
candidates-count = { $count ->
    [0] لا يوجد مرشح في هذه القائمة.
    [one] مرشح واحد.
    [two] مرشحان.
    [few] { $count } مرشحين.
   *[other] { $count } مرشحًا.
}
candidates-col-pick = اختيار
candidates-col-name = المرشح
candidates-col-organization = الجهة
candidates-col-by = رشّحه أو مشرفه
candidates-col-reason = السبب
candidates-col-state = الحالة
candidates-col-received = تاريخ الوصول
candidates-pick = اختر { $name }
candidates-actions = مع المرشحين المختارين
candidates-reason = السبب (مطلوب للرفض أو السحب)
candidates-accept = اقبل
candidates-wait = ضع في قائمة الانتظار
candidates-decline = ارفض
candidates-withdraw = اسحب
candidates-accept-hint = يُقبل المرشحون بالترتيب المعروض حتى تمتلئ الدفعة؛ ويبدأ مشروع كل مقبول على مسار عمل الدفعة مع مشرفه، ويُبلَّغ كلاهما بالبريد. ومن يتجاوز السعة يُعتذر له ويمكن وضعه في قائمة الانتظار.
candidates-choose = اختر مرشحًا واحدًا على الأقل.
done-intake-nominated = رُشّح { $person } إلى { $cohort }.
done-intake-requested = أُرسل طلبك للانضمام إلى { $cohort }.
done-intake-endorsed = زكّيت طلب { $person } للانضمام إلى { $cohort }.
done-intake-refused = رفضت تزكية طلب { $person } للانضمام إلى { $cohort }.
done-intake-accepted = قُبل { $person } في { $cohort }: بدأ المشروع «{ $project }».
done-intake-waiting = { $person } في قائمة انتظار { $cohort }، رقم { $position }.
done-intake-declined = رُفض طلب { $person } في { $cohort }.
done-intake-withdrawn = سُحب طلب { $person } إلى { $cohort }.
done-intake-offer-taken = قبل { $person } المقعد في { $cohort }: بدأ المشروع «{ $project }».
done-intake-offer-declined = اعتذر { $person } عن المقعد في { $cohort }.
done-intake-not-done = { $person }: لم يتم. { $reason }
done-intake-next = { $person } — { $next }

## Withdrawal and places (issue 16, parts 2 and 5: places)
event-withdrawn = سُحب المشروع من مرحلة { $stage }

## Loading a cohort's people from a spreadsheet (issue 16: import)
board-import = تحميل الأشخاص من جدول بيانات
import-title = تحميل الأشخاص من جدول بيانات
import-template = تنزيل النموذج (CSV)
import-export = تنزيل أشخاص هذه الدفعة (CSV)
import-upload-heading = رفع ملف
import-how = ما يُفعل به
import-check = افحصه واعرض ما سيتغير (لا يتغير شيء)
import-now = استورده الآن (كله أو لا شيء)
import-file = ملف CSV
import-submit = إرسال الملف
import-limits = ملف CSV محفوظ بصيغة "CSV UTF-8"، بحد أقصى { $megabytes } ميغابايت و{ $rows } صف. يُفحص كل صف أولًا، ولا يتغير شيء ما لم تكن الصفوف كلها سليمة.
import-columns-heading = الأعمدة
import-intro = يسمّي السطر الأول الأعمدة؛ الأعمدة email وname وrole لازمة، ويجوز ترك غيرها. تُرفض الخلية التي تبدأ بـ = أو + أو - أو @ لأنها صيغة (ضع ' قبلها لتبقى نصًا).
import-col-email = بريد الشخص: به يُتعرّف عليه (ومن سُجّل من قبل يبقى كما هو)
import-col-name = الاسم الكامل بأي لغة
import-col-organization = وزارته أو إدارته؛ يحتاجها المتدربون والمشرفون، ويشرف المشرف على موظفي جهته
import-col-language = en أو ar: لغة صفحاته وبريده (يجوز تركها فارغة)
import-col-role = trainee أو supervisor أو evaluator أو chair أو coordinator، وتُفصل الأدوار المتعددة بـ ;
import-col-supervisor = للمتدرب: بريد مشرفه (مشرف في الملف أو مسجّل مشرفًا من قبل)
import-col-title = للمتدرب: عنوان مشروعه
import-refused = لم يتغير شيء: في الملف { $count } مشكلة (عُرض منها { $listed }). صحّحها ثم أرسل الملف من جديد.
import-problem-line = السطر { $line }: { $reason }
import-problem-file = الملف: { $reason }
import-plan-heading = ما سيفعله الاستيراد
import-plan-summary = { $people } شخصًا: { $created } جديد و{ $matched } مسجّل من قبل؛ يبدأ { $started } مشروعًا، ويُعلَّم { $supervisors } مشرفًا، ويُضاف { $pooled } إلى مجمع اللجنة، و{ $coordinators } منسقًا. لم يتغير شيء بعد.
import-line = السطر
import-email = البريد الإلكتروني
import-person = الشخص
import-what = ما سيحدث
import-person-created = جديد
import-person-matched = مسجّل من قبل
import-role-trainee = متدرب
import-role-supervisor = مشرف
import-role-evaluator = مُقيّم
import-role-chair = رئيس اللجنة
import-role-coordinator = منسق
import-effect-project-started = يبدأ مشروعه
import-effect-has-project = له مشروع في هذه الدفعة من قبل (بلا تغيير)
import-effect-supervisor-marked = يُعلَّم مشرفًا
import-effect-supervisor = مشرف من قبل
import-effect-pool-added = يُضاف إلى مجمع اللجنة
import-effect-in-pool = في مجمع اللجنة من قبل
import-effect-coordinator-added = يصبح منسقًا لهذه الدفعة
import-effect-coordinator = منسق من قبل
import-confirm = استورد هؤلاء الأشخاص الآن
done-import = استُورد { $people } شخصًا ({ $created } جديد): بدأ { $started } مشروعًا، وعُلّم { $supervisors } مشرفًا، وأُضيف { $pooled } إلى مجمع اللجنة، و{ $coordinators } منسقًا.

## A person's page (issue 16, part 4: trainers)
person-title = الشخص
person-link = شهاداتك والدفعات التي تنسقها واللجان التي أنت عضو فيها
person-certificates = الشهادات
person-no-certificates = لا توجد شهادات بعد.
person-coordinates = الدفعات التي ينسقها
person-committees = اللجان
person-chair = رئيس اللجنة
person-none = لا شيء.
