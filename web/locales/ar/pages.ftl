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
error-too-large = الملف أكبر من المسموح. لم يُحفظ شيء.
error-empty-file = الملف فارغ. لم يُحفظ شيء: اختر ملفًا فيه محتوى.
error-quota = استخدمت كل المساحة المتاحة لملفاتك. لم يُحفظ شيء: اطلب من موظفي المعهد مساحة أكبر.
error-too-many-attempts = محاولات دخول فاشلة كثيرة. انتظر ربع ساعة ثم حاول مجددًا.
error-bad-request = تعذرت قراءة النموذج. لم يتغير شيء.

## Refusals and reasons (issue 14, part 1): the summary above a refused form.
reason-summary = لم يتم هذا. يُرجى تصحيح ما يلي:
