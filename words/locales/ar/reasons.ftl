## أسباب المحرّك بالعربية: رسالة `reason-CODE` لكل رمز من
## gradflow_engine::reason::CODES، بالمتغيرات التي يحملها ذلك الرمز.

## طريقة قول القوائم والأدوار.
reason-comma = {"، "}
reason-semicolon = {"؛ "}
reason-join-or = { $init } أو { $last }
reason-join-and = { $init } و{ $last }
reason-nobody = لا أحد
reason-role = { $role }
reason-role-trainee = المتدرب
reason-role-supervisor = المسؤول المباشر
reason-role-coordinator = المنسق
reason-role-committee = عضو اللجنة
reason-role-chair = رئيس اللجنة
reason-role-evaluator = المقيّم
reason-role-service_owner = مالك الخدمة
reason-role-department_head = رئيس القسم
reason-role-quality_office = مكتب الجودة
reason-role-steering = اللجنة التوجيهية
reason-term-lre = تضمين من اليسار إلى اليمين
reason-term-rle = تضمين من اليمين إلى اليسار
reason-term-pdf = إنهاء التنسيق الاتجاهي
reason-term-lro = فرض الاتجاه من اليسار إلى اليمين
reason-term-rlo = فرض الاتجاه من اليمين إلى اليسار
reason-term-lri = عزل من اليسار إلى اليمين
reason-term-rli = عزل من اليمين إلى اليسار
reason-term-fsi = عزل بحسب أول حرف قوي
reason-term-pdi = إنهاء العزل الاتجاهي
reason-term-lrm = علامة من اليسار إلى اليمين
reason-term-rlm = علامة من اليمين إلى اليسار
reason-term-alm = علامة الحرف العربي
reason-term-none = محرف تحكم
reason-deed-score = تقييم هذا المشروع
reason-deed-give-roles = إسناد الأدوار
reason-deed-add-evidence = إضافة ملفات الشواهد
reason-deed-milestone = { $step ->
    [accept] قبول { $milestone }
    [return] إعادة { $milestone }
   *[submit] تسليم { $milestone }
}

## رفض قرارات المحرّك.
reason-stale = تغيّر المشروع منذ أن اطّلعت عليه (رأيت الإصدار { $expected } وهو الآن في الإصدار { $actual })؛ راجعه مرة أخرى ثم أعد المحاولة
reason-finished = انتهى المشروع (المرحلة «{ $stage }»)؛ لا يمكن فعل شيء آخر
reason-unknown-action = «{ $action }» غير ممكن والمشروع في مرحلة «{ $stage }»؛ الممكن الآن: { $possible }
reason-nothing-possible = «{ $action }» غير ممكن والمشروع في مرحلة «{ $stage }»؛ لا يمكن فعل شيء يدويًا الآن
reason-automatic = «{ $action }» يحدث تلقائيًا عندما يتحقق الشرط { $condition }؛ لا يقوم به أحد يدويًا
reason-not-allowed-none = { $action } مقصور على { $allowed }؛ ليس لك دور في هذا المشروع
reason-not-allowed-yours = { $action } مقصور على { $allowed }؛ دورك في هذا المشروع: { $yours }
reason-comment-required = يلزم تعليق من أجل { $action }: اذكر ما الذي ينبغي تغييره ولماذا
reason-comment-too-long = طول التعليق { $length } حرفًا، والحد الأقصى { $limit }
reason-invalid-fields = في نموذج «{ $form }» ما يحتاج إلى تصحيح: { $problems }
reason-no-form = ليس لهذا الإجراء نموذج؛ اكتب تعليقًا فقط
reason-condition-not-met = لا يمكن { $action } بعد: { $why }
reason-already-approved = سبق أن وافقت على «{ $action }»
reason-already-approved-waiting = سبق أن وافقت على «{ $action }»؛ ما زال بانتظار { $waiting }
reason-approval-not-needed = موافقتك لن تُحتسب في «{ $action }»: الموافقات المعطاة تغطي بالفعل { $yours }
reason-approval-not-needed-waiting = موافقتك لن تُحتسب في «{ $action }»: الموافقات المعطاة تغطي بالفعل { $yours }؛ ما زال بانتظار { $waiting }
reason-unknown-role = «{ $role }» ليس دورًا في مشاريع هذا البرنامج؛ اختر أحد الأدوار المعروضة في القائمة
reason-already-member = هذا الشخص له دور { $role } في هذا المشروع بالفعل
reason-conflict-of-interest = من له دور { $held } في هذا المشروع لا يمكن أن يكون أيضًا { $role }
reason-holders-exactly = لكل مشروع في هذا البرنامج { $count } بالضبط في دور { $role }؛ وهذا المشروع سيكون فيه { $people }
reason-holders-at-least = لكل مشروع في هذا البرنامج { $min } على الأقل في دور { $role }؛ وهذا المشروع سيكون فيه { $people }
reason-holders-at-most = لكل مشروع في هذا البرنامج { $max } على الأكثر في دور { $role }؛ وهذا المشروع سيكون فيه { $people }
reason-holders-between = لكل مشروع في هذا البرنامج من { $min } إلى { $max } في دور { $role }؛ وهذا المشروع سيكون فيه { $people }
reason-milestone-not-ready = المرحلة الفرعية «{ $milestone }» { $status ->
    [submitted] بانتظار المراجعة
    [accepted] مقبولة
    [returned] أُعيدت للتعديل
   *[pending] لم تُسلَّم بعد
}؛ لا يمكن { $step ->
    [accept] قبولها
    [return] إعادتها
   *[submit] تسليمها
} الآن
reason-already-scored = سبق أن قيّمت هذا المشروع
reason-scorecards-in = وصلت بطاقات التقييم كلها ({ $evaluators })
reason-calendar = تعذّر حساب موعد الاستحقاق: { $problem }؛ اطلب من المنسق تصحيح تواريخ الدفعة
reason-unknown-stage = المشروع في مرحلة «{ $stage }» التي لا يعرفها مسار عمله
reason-inconsistent = سجل المشروع لا يوافق مسار عمله ({ $problem })؛ لم يتغير شيء
reason-automatic-loop = ظلت الإجراءات التلقائية تنقل المشروع بلا نهاية (توقفت بعد { $moves } نقلة)؛ مسار العمل يحتاج إلى إصلاح

## من ما زال الإجراء بانتظاره.
reason-waiting-nobody = لا أحد
reason-waiting-each = { $roles }
reason-waiting-more = { $count ->
    [one] موافقة واحدة أخرى
    [two] موافقتين أخريين
    [few] { $count } موافقات أخرى
   *[other] { $count } موافقة أخرى
} من { $roles }
reason-waiting-each-and-more = { $each }، و{ $count ->
    [one] موافقة واحدة أخرى
    [two] موافقتين أخريين
    [few] { $count } موافقات أخرى
   *[other] { $count } موافقة أخرى
} من { $roles }

## مشكلات إجابات النموذج، واحدة لكل مشكلة.
reason-field-unknown = «{ $name }» ليس حقلًا في هذا النموذج (حقوله: { $fields })
reason-field-required = «{ $field }» مطلوب
reason-field-not-number = «{ $field }»: «{ $value }» ليس رقمًا
reason-field-below-min = «{ $field }»: { $value } أقل من الحد الأدنى { $min }
reason-field-above-max = «{ $field }»: { $value } أكبر من الحد الأقصى { $max }
reason-field-not-yes-no = «{ $field }»: «{ $value }» ليس نعم أو لا
reason-field-not-date = «{ $field }»: «{ $value }» ليس تاريخًا؛ اكتبه بالصيغة سنة-شهر-يوم
reason-field-not-choice = «{ $field }»: «{ $value }» ليس من الخيارات: { $choices }
reason-field-not-text = «{ $field }»: «{ $value }» ليس نصًا
reason-field-too-long = طول «{ $field }» { $length } حرفًا، والحد الأقصى { $limit }
reason-field-one-line = «{ $field }» يجب أن يكون سطرًا واحدًا
reason-field-characters = «{ $field }» يحتوي على { $kind ->
    [line-break] فاصل أسطر ({ $char })
    [bidi] محرف التحكم في الاتجاه { $char } ({ $name }) الذي يُظهر النص بترتيب غير ترتيب كتابته
   *[control] محرف تحكم ({ $char })
}؛ استخدم نصًا عاديًا

## درجات بطاقة التقييم.
reason-criterion-unknown = «{ $name }» ليس معيارًا في سلّم التقييم هذا (معاييره: { $criteria })
reason-score-missing = «{ $criterion }» يحتاج إلى درجة
reason-score-not-whole = «{ $criterion }»: «{ $value }» ليس عددًا صحيحًا
reason-score-off-scale = «{ $criterion }»: { $value } خارج السلّم من { $min } إلى { $max }

## لماذا لم يتحقق الشرط ("ليس بعد").
reason-milestones-not-accepted = يجب قبول كل المراحل الفرعية أولًا (ما زال مفتوحًا: { $open })
reason-milestones-not-submitted = يجب تسليم كل المراحل الفرعية أولًا (ما زال مفتوحًا: { $open })
reason-milestone-not-accepted = يجب قبول المرحلة الفرعية «{ $milestone }» أولًا
reason-milestone-not-submitted = يجب تسليم المرحلة الفرعية «{ $milestone }» أولًا
reason-assessment-quorum = يحتاج التقييم إلى { $needed } من بطاقات التقييم ووصل منها { $count }
reason-assessment-not-passed = لم يبلغ التقييم درجة النجاح في سلّم التقييم
reason-assessment-no-moderation = درجات المقيّمين لا تستدعي التحكيم
reason-assessment-needs-moderation = درجات المقيّمين تستدعي التحكيم أولًا
reason-assessment-count = يحتاج التقييم إلى { $op ->
    [gt] أكثر من { $expected }
    [lt] أقل من { $expected }
    [le] { $expected } على الأكثر
    [eq] { $expected } بالضبط
    [ne] عدد غير { $expected }
   *[ge] { $expected } على الأقل
} من بطاقات التقييم ووصل منها { $actual }
reason-assessment-mean = يجب أن يكون متوسط درجات التقييم { $op ->
    [gt] أكثر من { $expected }
    [lt] أقل من { $expected }
    [le] { $expected } على الأكثر
    [eq] { $expected } بالضبط
    [ne] غير { $expected }
   *[ge] { $expected } على الأقل
}؛ وهو الآن { $actual }
reason-assessment-no-mean = يجب أن يكون متوسط درجات التقييم { $op ->
    [gt] أكثر من { $expected }
    [lt] أقل من { $expected }
    [le] { $expected } على الأكثر
    [eq] { $expected } بالضبط
    [ne] غير { $expected }
   *[ge] { $expected } على الأقل
}؛ ولم يقيّم أحد بعد
reason-field-is-no = يجب أن تكون إجابة «{ $field }» نعم
reason-field-is-yes = يجب أن تكون إجابة «{ $field }» لا
reason-field-not-given = لم تُعطَ قيمة «{ $field }» بعد
reason-field-compare = يجب أن تكون قيمة «{ $field }» { $op ->
    [gt] أكثر من { $expected }
    [lt] أقل من { $expected }
    [le] { $expected } على الأكثر
    [ge] { $expected } على الأقل
    [ne] غير { $expected ->
        [yes] نعم
        [no] لا
       *[other] { $expected }
    }
   *[eq] { $expected ->
        [yes] نعم
        [no] لا
       *[other] { $expected }
    }
}؛ وهي الآن { $actual ->
    [missing] غير معطاة
    [yes] نعم
    [no] لا
   *[other] { $actual }
}
reason-value-false = القيمة { $path } غير متحققة
reason-value-true = القيمة { $path } متحققة ويجب ألا تكون كذلك
reason-value-not-given = القيمة { $path } غير معطاة بعد
reason-value-compare = يجب أن تكون القيمة { $path } { $op ->
    [gt] أكثر من { $expected }
    [lt] أقل من { $expected }
    [le] { $expected } على الأكثر
    [ge] { $expected } على الأقل
    [ne] غير { $expected }
   *[eq] { $expected }
}؛ وهي الآن { $actual ->
    [missing] غير معطاة
   *[other] { $actual }
}
reason-condition-false = الشرط { $condition } غير متحقق
reason-condition-never = الشرط { $condition } لا يتحقق أبدًا

## رفض الخدمة نفسها.
reason-message = { $text }
reason-internal = حدث خطأ داخل النظام؛ لم يتغير شيء. يجد المشغّل التفاصيل في السجل
reason-busy = كانت قاعدة البيانات مشغولة بتغيير آخر أكثر من { $seconds } ثوانٍ؛ لم يتغير شيء: أعد المحاولة بعد لحظة
reason-database-away = تعذّر الوصول إلى قاعدة البيانات الآن؛ لم يتغير شيء: أعد المحاولة بعد لحظة
reason-changed = غيّر شخص آخر المشروع في الوقت نفسه؛ لم يتغير شيء: راجع المشروع مرة أخرى ثم أعد المحاولة
reason-read-only = قاعدة البيانات مفتوحة للقراءة فقط، فلا يمكن تغيير شيء
reason-unknown-person = لا يوجد أحد مسجل بالبريد { $email }
reason-unknown-project = لا يوجد مشروع رقمه { $project }
reason-unknown-message = لا توجد رسالة رقمها { $message } في هذه الدفعة
reason-message-not-resendable = الرسالة رقم { $message } { $state ->
    [pending] بانتظار الإرسال أصلًا
    [claimed] يجري إرسالها الآن
   *[other] في حالة أخرى
}؛ لا يُعاد إرسال إلا رسالة أُرسلت أو توقفت محاولاتها أو لم يقبلها خادم البريد بعد (أما المنتظرة أو الجاري إرسالها فهي في طريقها)
reason-person-exists = { $email } مسجل من قبل
reason-erase-open-roles = ما زال { $email } يشغل دورًا في مشاريع لم تنتهِ: { $projects }؛ يمكن محو بياناته بعد انتهاء هذه المشاريع
reason-program-exists = يوجد برنامج بالمفتاح «{ $program }» من قبل
reason-cohort-exists = توجد دفعة باسم «{ $cohort }» من قبل
reason-cohort-full = الدفعة «{ $cohort }» مكتملة: شُغلت أماكنها كلها ({ $capacity })
reason-cohort-places = بقي في الدفعة «{ $cohort }» { $left } من أماكنها البالغة { $capacity }، وهذا لا يكفي { $count } من المشاريع
reason-text-empty = { $what ->
    [project-title] عنوان المشروع
    [organization] جهة العمل
    [program-title] عنوان البرنامج
    [cohort-name] اسم الدفعة
    [file-name] اسم الملف
    [reason] السبب
    [certificate-level] مستوى الشهادة
    [awarding-body] الجهة المانحة
    [accrediting-body] الجهة المعتمِدة
   *[name] الاسم
} لا يمكن أن يكون فارغًا
reason-text-too-long = طول { $what ->
    [project-title] عنوان المشروع
    [organization] جهة العمل
    [program-title] عنوان البرنامج
    [cohort-name] اسم الدفعة
    [file-name] اسم الملف
    [reason] السبب
    [certificate-level] مستوى الشهادة
    [awarding-body] الجهة المانحة
    [accrediting-body] الجهة المعتمِدة
   *[name] الاسم
} { $length } حرفًا، والحد الأقصى { $limit }
reason-text-characters = { $what ->
    [project-title] عنوان المشروع
    [organization] جهة العمل
    [program-title] عنوان البرنامج
    [cohort-name] اسم الدفعة
    [file-name] اسم الملف
    [reason] السبب
    [certificate-level] مستوى الشهادة
    [awarding-body] الجهة المانحة
    [accrediting-body] الجهة المعتمِدة
   *[name] الاسم
} يحتوي على { $kind ->
    [line-break] فاصل أسطر ({ $char })
    [bidi] محرف التحكم في الاتجاه { $char } ({ $name }) الذي يُظهر النص بترتيب غير ترتيب كتابته
   *[control] محرف تحكم ({ $char })
}؛ استخدم نصًا عاديًا في سطر واحد
reason-not-an-email = «{ $email }» ليس عنوان بريد إلكتروني (اكتبه بالصيغة name@example.org)
reason-language-unknown = «{ $language }» ليست لغة يتحدث بها النظام؛ اختر من: { $languages }
reason-comment-characters = التعليق يحتوي على { $kind ->
    [line-break] فاصل أسطر ({ $char })
    [bidi] محرف التحكم في الاتجاه { $char } ({ $name }) الذي يُظهر النص بترتيب غير ترتيب كتابته
   *[control] محرف تحكم ({ $char })
}؛ استخدم نصًا عاديًا
reason-evidence-empty = الملف فارغ؛ اختر ملفًا فيه محتوى
reason-evidence-quota = هذا الملف سيتجاوز بملفاتك المرفوعة الحد المسموح لكل شخص وهو { $quota } ميغابايت؛ لم يُحفظ شيء
reason-evidence-name-mark = اسم الملف يحتوي على علامة اتجاه غير مرئية ({ $char }، { $name }) قد تخفي حقيقة الملف؛ غيّر اسم الملف
reason-passwords-busy = الخادم يتحقق من كلمات مرور كثيرة في آن واحد؛ أعد المحاولة بعد ثوانٍ
reason-reset-link-used = انتهت صلاحية رابط إعادة تعيين كلمة المرور أو استُخدم من قبل؛ اطلب رابطًا جديدًا
reason-password-wrong = كلمة المرور الحالية غير صحيحة؛ لم يتغير شيء
reason-too-many-attempts = محاولات كثيرة؛ انتظر { $minutes } دقيقة ثم أعد المحاولة
reason-sign-in-refused = البريد الإلكتروني أو كلمة المرور غير صحيحة
reason-password-too-short = تحتاج كلمة المرور إلى { $min } أحرف على الأقل؛ وهذه فيها { $length }
reason-password-too-long = لا يجوز أن تزيد كلمة المرور على { $max } بايت

## Parts 5 and 6 of issue 15: extensions, calendar changes, the graduation checklist.
reason-deed-extend = تمديد موعد نهائي
reason-deed-change-calendar = تغيير مواعيد الدفعة
reason-checklist-incomplete = لا يمكن إصدار الشهادة بعد: { $count ->
    [one] بند واحد من قائمة متطلبات التخرج لم يستوفَ
   *[other] { $count } بنود من قائمة متطلبات التخرج لم تستوفَ
}: { $missing }
reason-extension-in-past = التاريخ الجديد { $due } ليس في المستقبل (الوقت الآن { $now })؛ اختر تاريخًا لاحقًا
reason-extension-stage-left = لم يعد المشروع في مرحلة '{ $stage }' (هو الآن في '{ $current }')؛ لا يمكن تمديد ذلك الموعد بعد الآن
reason-extension-unknown-milestone = لا يوجد في سير العمل معلم باسم '{ $milestone }'
reason-extension-no-deadline = ليس للمرحلة '{ $stage }' موعد نهائي يمكن تمديده
reason-extension-no-due-date = ليس للمعلم { $milestone } موعد استحقاق يمكن تمديده
reason-extension-no-project = ليس لـ { $email } مشروع مفتوح في الدفعة { $cohort }
reason-extension-reason-required = اذكر السبب: السبب مطلوب
reason-calendar-unknown-date = ليس للدفعة تاريخ باسم '{ $date }'؛ تواريخها: { $dates }
reason-calendar-not-coordinator = { $email } ليس منسقًا للدفعة { $cohort }
reason-extension-bad-date = '{ $date }' ليس تاريخًا؛ اكتبه بالصيغة YYYY-MM-DD

## calendar2 (issue 15, second round): the coordinators' dates form.
reason-extension-trainees = اختر من 1 إلى { $limit } من متدربي الدفعة، لكل منهم مشروع مفتوح
reason-calendar-unchanged = لا شيء لتغييره: التواريخ والعطل المعطاة هي ما للدفعة أصلًا
reason-calendar-too-many-holidays = سيصبح للدفعة { $holidays } يوم عطلة، وهذا أكثر مما يسعه التقويم ({ $limit }، أيام سنة كاملة): اذكر فقط الأيام التي يغلق فيها المعهد

## Moderation and the scoring rules (issue 15, part 4: moderation).
reason-deed-moderate-scores = مراجعة الدرجات
reason-deed-ask-rescore = طلب إعادة التقييم من مقيّم
reason-decision-before-quorum = لا يمكنك { $action } قبل اكتمال النصاب: يلزم { $need } من بطاقات التقييم ووصل منها { $have }
reason-moderation-needed = لا يمكنك { $action } بعد: تتباين درجات المقيّمين أكثر مما تسمح به المعايير في { $criteria }، ويجب أن يراجعها رئيس اللجنة أولًا
reason-moderation-not-called-for = تتباين درجات { $criterion } بمقدار { $spread }، وهذا لا يزيد على { $above }: فلا تستدعي المراجعة
reason-moderation-not-in-rubric = لا تحدد معايير { $form } حدًا للمراجعة: فلا تُراجع الدرجات أبدًا
reason-moderation-no-scores = أدخل درجة معدّلة لواحد على الأقل من: { $criteria }
reason-rescore-not-called-for = لا تتباين درجات أي معيار بأكثر من { $above }: فلا شيء يستدعي المراجعة، ولا يُطلب من أحد إعادة التقييم
reason-rescore-no-evaluators = حدد مقيّمًا واحدًا على الأقل لإعادة التقييم
reason-rescore-not-evaluator = الشخص { $person } ليس من مقيّمي هذا المشروع
reason-rescore-not-scored = الشخص { $person } لم يقيّم هذا المشروع، فلا توجد بطاقة تقييم لتنحيتها

## Committee (issue 15, parts 2 and 3): pools, conflicts, assignment.
reason-committee-pool-too-small = مجموعة اللجنة صغيرة جدًا: المطلوب { $wanted } من المقيّمين ولا يمكن تعيين إلا { $eligible }؛ لم يتغير شيء. المستبعدون: { $excluded }
reason-committee-excluded = { $person } ({ $why ->
    [organization] من جهة عمل المتدرب، { $detail }
    [supervisor] مشرف المتدرب
    [declared-trainee] صرّح بتعارض مصالح مع { $detail }
    [declared-organization] صرّح بتعارض مصالح مع الجهة { $detail }
    [role] يشغل دورًا متعارضًا: { $detail }
    [chair] يرأس اللجنة
   *[assigned] عضو في هذه اللجنة بالفعل
})
reason-committee-no-assessment = المرحلة { $stage } لا تقييم فيها، فلا لجنة لتعيينها
reason-committee-replace-scored = سبق أن قيّم هذا المقيّم؛ تبقى بطاقة تقييمه، فلا يمكن استبداله
reason-committee-not-evaluator = هذا الشخص ليس { $role } في هذا المشروع
reason-committee-no-pool = لا توجد بعد مجموعة لجنة للدفعة { $cohort }؛ أضف أعضاء بالأمر gradflow committee pool add
reason-committee-not-in-pool = { $email } ليس في مجموعة لجنة هذه الدفعة
reason-committee-conflict-target = حدّد مع من التعارض: بريد متدرب أو جهة، لا الاثنين معًا
reason-committee-conflict-recorder = لا يجوز لـ { $by } تسجيل تعارض مصالح باسم { $email }: يسجّله { $email } نفسه أو أحد المنسّقين

## Committee and moderation gaps (issue 15, second round: committee2)
reason-committee-conflicted = لا يجوز لهذا الشخص تقييم هذا المشروع بصفة { $role }: { $why ->
    [organization] فهو من جهة عمل المتدرب، { $organization }
    [supervisor] فهو مشرف المتدرب
    [declared-trainee] فقد صرّح بتعارض مصالح مع المتدرب
    [declared-organization] فقد صرّح بتعارض مصالح مع جهة عمل المتدرب، { $organization }
   *[other] فلديه تعارض مصالح معه
}؛ لم يتغير شيء

## Certificates (issue 15, parts 1 and 7: certs)
reason-certificate-code-too-long = رمز الشهادة 28 حرفًا ورقمًا (عدا الشرطات والمسافات)، وهذا النص أطول من أن يكون رمزًا
reason-certificate-code-characters = لا يحتوي رمز الشهادة إلا حروفًا وأرقامًا وشرطات ومسافات، وفي هذا الرمز محارف أخرى
reason-certificate-code-malformed = هذا ليس رمز شهادة: الرمز 28 حرفًا ورقمًا مكتوبة في مجموعات من أربعة (مثل 7K3M-…)
reason-pattern-placeholder-unknown = نمط أرقام الشهادات «{ $pattern }» يستعمل { $placeholder } ولا يعرفه gradflow؛ استعمل {"{"}year{"}"} و{"{"}seq{"}"} (أو {"{"}seq:05{"}"} لخمسة أرقام)
reason-pattern-no-sequence = نمط أرقام الشهادات «{ $pattern }» ليس فيه {"{"}seq{"}"}، فتأخذ الشهادات كلها الرقم نفسه؛ أضف {"{"}seq{"}"} أو {"{"}seq:05{"}"}
reason-pattern-unbalanced = في نمط أرقام الشهادات «{ $pattern }» قوس بلا نظيره؛ اكتب العناصر هكذا: {"{"}year{"}"} و{"{"}seq{"}"}
reason-pattern-text = نمط أرقام الشهادات «{ $pattern }» من 1 إلى 60 حرفًا أو رقمًا أو علامة، بلا مسافات
reason-validity-unknown = «{ $validity }» ليست مدة صلاحية يعرفها gradflow؛ اكتب none أو عددًا من السنين أو الأشهر أو الأيام مثل 3y أو 18mo أو 365d
reason-prerequisite-cycle = لا يمكن أن يشترط البرنامج «{ $program }» شهادة «{ $required }»، لأن «{ $required }» يشترط «{ $program }» مباشرة أو عبر برنامج آخر
reason-prerequisite-missing = لا يحمل { $person } شهادة سارية من { $required }، وهي شرط في { $program } قبل بدء المشروع
reason-certificate-unknown = لا توجد شهادة رقمها أو رمزها «{ $certificate }»
reason-certificate-number-ambiguous = أعطى أكثر من برنامج الرقم «{ $number }»؛ سمِّ الشهادة برمز التحقق منها
reason-certificate-revoked = الشهادة { $number } ملغاة من قبل؛ لم يتغير شيء

## Open Badges 3.0 (issue 15, part 8: badges)
reason-signing-key-changed = أُنشئ مفتاح توقيع آخر أو استُبدل في اللحظة نفسها، فلم يتغير شيء بهذا الطلب: اطّلع على gradflow keys show ثم أعد المحاولة إن بقيت الحاجة إلى مفتاح جديد
reason-credential-public-url = '{ $url }' ليس عنوانًا عامًا تُبنى عليه الشهادات الرقمية: أعطِ العنوان الذي يصل به الناس إلى الموقع، مثل https://gradflow.institute.example (http أو https، بلا استعلام)

## Loading a cohort's people from a spreadsheet (issue 16, part 3: import)
reason-import-too-large = الملف أكبر من { $limit } ميغابايت: قسّمه إلى ملفات أصغر؛ لم يتغير شيء
reason-import-too-many-rows = في الملف أكثر من { $limit } صف: قسّمه إلى ملفات أصغر؛ لم يتغير شيء
reason-import-not-utf8 = الملف ليس نصًا بترميز UTF-8 (احفظه من جدول البيانات بصيغة "CSV UTF-8")
reason-import-empty = الملف فارغ: يجب أن يسمّي سطره الأول الأعمدة (email وname وrole ...)
reason-import-csv = تعذّرت قراءة هذا السطر بصيغة CSV: { $detail }
reason-import-column-unknown = لا يوجد عمود باسم '{ $column }'؛ الأعمدة هي: { $columns }
reason-import-column-twice = العمود '{ $column }' مذكور مرتين
reason-import-column-missing = العمود '{ $column }' غير موجود في السطر الأول
reason-import-row-width = في هذا الصف { $found } خلايا بينما يسمّي السطر الأول { $expected } أعمدة
reason-import-formula = خلية { $column } تبدأ كصيغة جدول بيانات (= أو + أو - أو @)؛ اكتبها نصًا أو ضع ' قبلها
reason-import-duplicate-email = { $email } مذكور من قبل في السطر { $first }: خصّص لكل شخص صفًا واحدًا (تُفصل الأدوار المتعددة بـ ;)
reason-import-role-unknown = '{ $role }' ليس دورًا يمنحه الاستيراد؛ استخدم أحد: { $roles }
reason-import-role-missing = الدور فارغ؛ اكتب trainee أو supervisor أو evaluator أو chair أو coordinator
reason-import-chair-twice = للجنة رئيس واحد، وقد ذُكر في السطر { $first }
reason-import-supervisor-missing = يحتاج المتدرب إلى بريد مشرفه في عمود supervisor
reason-import-supervisor-self = لا يكون المتدرب مشرفًا على نفسه
reason-import-supervisor-unknown = { $email } ليس مشرفًا: أضف له صفًا بدور supervisor أو اجعله مشرفًا في الدليل
reason-import-supervisor-organization = المشرف { $email } من { $organization } لا من جهة المتدرب ({ $trainee }): يشرف المشرف على موظفي جهته
reason-import-organization-missing = يحتاج { $role } إلى جهة (يشرف المشرفون على موظفي جهتهم)
reason-import-trainee-only = عمود { $column } للمتدربين فقط؛ اتركه فارغًا في هذا الصف
reason-import-changed = بدأ أحدهم مشروعًا لـ { $email } في هذه الدفعة في الوقت نفسه؛ لم يتغير شيء: راجع الدفعة ثم أعد الاستيراد

## Intake (issue 16, part 1: apply)
reason-intake-closed = الدفعة «{ $cohort }» لا تستقبل طلبات الآن؛ لم يتغير شيء
reason-intake-not-supervisor = لا يرشّح للدفعة إلا مشرف؛ اطلب من المنسّق أن يسجّلك مشرفًا
reason-intake-self-nomination = لا يرشّح المشرف نفسه؛ قدّم طلب انضمام بدلًا من ذلك
reason-intake-other-organization = { $email } ليس من جهتك ({ $organization }): يرشّح المشرف أفراد جهته فقط
reason-intake-endorsement-needed = طلبات الانضمام إلى الدفعة «{ $cohort }» تحتاج إلى تزكية مشرفك: اذكر مشرفك
reason-intake-self-endorsement = لا يمكنك أن تذكر نفسك مشرفًا لك
reason-intake-not-a-supervisor = { $email } ليس مشرفًا؛ اذكر مشرفك أنت
reason-intake-supervisor-organization = { $email } من جهة أخرى ({ $organization })؛ اذكر مشرفًا من جهتك
reason-intake-offer-days = يبقى العرض مفتوحًا من يوم واحد إلى { $max } يومًا، لا { $days }
reason-intake-no-cohort = لا توجد دفعة { $cohort }
reason-application-exists = لهذا الشخص طلب ما زال مفتوحًا في الدفعة «{ $cohort }»؛ لم يتغير شيء
reason-application-closed = هذا الطلب { $state ->
    [declined] مرفوض
    [withdrawn] مسحوب
   *[expired] منتهٍ (لم يُقبل عرضه في موعده)
}: لا يمكن تغييره بعد الآن
reason-application-not-allowed = { $deed ->
    [endorse] لا يزكّي الطلب إلا المشرف المذكور فيه
    [refuse-endorsement] لا يرفض تزكية الطلب إلا المشرف المذكور فيه
    [accept] لا يقبل الطلب إلا منسّق الدفعة
    [wait-list] لا يضع الطلب على قائمة الانتظار إلا منسّق الدفعة
    [decline] لا يرفض الطلب إلا منسّق الدفعة
    [withdraw] لا يسحب الطلب إلا صاحبه أو منسّق الدفعة
    [offer] لا يعرض المكان إلا منسّق الدفعة
    [take-offer] لا يقبل المكان المعروض إلا صاحب الطلب
    [decline-offer] لا يعتذر عن المكان المعروض إلا صاحب الطلب
    [expire] لا يُنهي العرض إلا النظام
    [withdraw-trainee] لا يسحب المتدرب إلا هو نفسه أو منسّق الدفعة
    [request] لا يطلب الانضمام إلا الشخص نفسه
   *[other] لا يجوز لك هذا في هذا الطلب
}
reason-application-state = الطلب { $state ->
    [submitted] الذي ينتظر تزكية المشرف
    [endorsed] الذي ينتظر المنسّق
    [accepted] المقبول
    [waiting] الذي على قائمة الانتظار
    [offered] الذي عُرض عليه مكان
    [declined] المرفوض
    [withdrawn] المسحوب
   *[expired] المنتهي
} لا يمكن { $deed ->
    [endorse] تزكيته
    [refuse-endorsement] رفض تزكيته
    [accept] قبوله
    [wait-list] وضعه على قائمة الانتظار
    [decline] رفضه
    [withdraw] سحبه
    [offer] أن يُعرض عليه مكان
    [take-offer] قبول عرضه
    [decline-offer] الاعتذار عن عرضه
    [expire] إنهاء عرضه
    [withdraw-trainee] سحبه متدربًا
   *[other] تغييره هكذا
}؛ لم يتغير شيء
reason-application-accepted = قُبل هذا الطلب وبدأ مشروعه: اسحب المتدرب من المشروع بدلًا من ذلك
reason-application-needs-endorsement = هذا الطلب ينتظر تزكية المشرف؛ يقبله المنسّق أو يضعه على قائمة الانتظار بعد تزكيته
reason-application-reason-required = { $deed ->
    [refuse-endorsement] اذكر سبب رفضك التزكية
    [decline] اذكر سبب الرفض
   *[other] اذكر السبب
}؛ لم يتغير شيء
reason-application-not-first = يُعرض المكان الشاغر على أول قائمة الانتظار، وهذا الطلب ليس الأول
reason-application-offer-expired = انتهى العرض في { $expires }؛ وذهب المكان إلى التالي في قائمة الانتظار
reason-application-offer-open = العرض مفتوح حتى { $expires }؛ لا ينتهي قبل ذلك
reason-application-unknown = لا يوجد طلب رقمه { $application }
reason-application-cohort = الطلب { $application } ليس طلبًا في الدفعة { $cohort }

## Withdrawal and places (issue 16, parts 2 and 5: places)
reason-withdrawal-no-stage = لا يحدّد سير العمل { $workflow } أي مرحلة بـ withdrawal: true، لذا لا يمكن سحب مشاريعه؛ حدِّد مرحلة السحب النهائية بـ withdrawal: true وانشر إصدارًا جديدًا
reason-withdrawal-not-allowed = لا يسحب المشروع إلا { $allowed } (يسحب المتدرب مشروعه، ويسحب منسّق الدفعة أو مشغّل النظام أي مشروع مع ذكر السبب)
reason-withdrawal-reason = يلزم أن يذكر المنسّق سببًا للسحب: اذكر لماذا ينتهي المشروع

## Trainers who were trainees (issue 16, part 4: trainers)
reason-trainer-certificate-missing = لا يحمل { $person } شهادة سارية من { $required }، وهي شرط يضعه { $program } على { $role ->
    [coordinator] منسقي دفعاته
   *[committee] أعضاء لجانه
}؛ لم يتغير شيء
reason-person-page-unknown = لا يوجد شخص برقم { $person } يمكنك الاطلاع على صفحته
reason-webhook-url-invalid = يجب أن يكون عنوان الخطاف الشبكي عنوان URL كاملًا فيه اسم مضيف، مثل https://hooks.example.com/gradflow
reason-webhook-url-too-long = عنوان الخطاف الشبكي أطول من { $limit } حرفًا
reason-webhook-url-https = يجب أن يستخدم عنوان الخطاف الشبكي https لا { $scheme } (لا يُقبل http إلا حيث يسمح المشغّل بالعناوين الخاصة، للتطوير)
reason-webhook-url-credentials = لا يجوز أن يحمل عنوان الخطاف الشبكي اسم مستخدم أو كلمة مرور؛ التوقيع يثبت المرسل
reason-webhook-url-private = العنوان { $host } عنوان داخل الشبكة (النطاق: { $range })؛ لا تُرسل الخطافات الشبكية إلا إلى عناوين عامة ما لم يسمح المشغّل بالعناوين الخاصة
reason-webhook-events-none = اذكر حدثًا واحدًا على الأقل للاشتراك فيه: { $known }
reason-webhook-event-unknown = '{ $event }' ليس حدثًا من أحداث الخطافات الشبكية؛ الأحداث هي { $known }
reason-webhook-too-many = لهذه الدفعة { $limit } اشتراكات خطافات شبكية من قبل؛ احذف أحدها أولًا
reason-unknown-webhook = لا يوجد اشتراك خطاف شبكي رقمه { $webhook } يمكنك الاطلاع عليه
reason-unknown-webhook-delivery = لا يوجد تسليم خطاف شبكي رقمه { $delivery } يمكنك الاطلاع عليه
reason-webhook-delivery-not-resendable = تسليم الخطاف الشبكي رقم { $delivery } في حالة { $state }؛ لا يُعاد إرسال إلا تسليم أُرسل أو فشل أو توقف نهائيًا (ما ينتظر أو يُرسل الآن في طريقه)
reason-webhook-disabled = اشتراك الخطاف الشبكي رقم { $webhook } معطّل (أجاب مستقبِله بـ 410 Gone)؛ اشترك بالعنوان من جديد لتصلك الأحداث

# Calendar feeds (issue 17, part 4).
reason-calendar-unknown = لا يوجد تقويم بهذا العنوان: أنشئ عنوانًا جديدًا من ملفك الشخصي

## The JSON API and its tokens (issue 17, part 1: api)
reason-token-invalid = رمز الواجهة البرمجية غير صالح: فهو غير معروف أو منتهي الصلاحية أو ملغى؛ أنشئ رمزًا جديدًا بالأمر gradflow user token create
reason-token-missing = تحتاج الواجهة البرمجية إلى رمز: أرسل الترويسة Authorization: Bearer متبوعة برمز من gradflow user token create
reason-token-read-only = هذا الرمز للقراءة فقط؛ يحتاج التنفيذ إلى رمز قراءة وكتابة (gradflow user token create --scope read-write)
reason-token-scope = { $scope } ليس نطاقًا لرمز: اكتب read أو read-write
reason-token-expiry = يجب أن يكون انتهاء صلاحية الرمز في المستقبل وبعد { $days } يومًا على الأكثر
reason-token-unknown = لا يوجد رمز واجهة برمجية رقمه { $id }
reason-api-content-type = يجب أن يكون المحتوى { $expected }
reason-api-malformed = المحتوى ليس JSON صالحًا (السطر { $line }، العمود { $column })
reason-api-unknown-field = { $field } ليس حقلًا في هذا الطلب
reason-api-wrong-type = يجب أن يكون { $field } { $expected }
reason-api-missing-field = الحقل { $field } مفقود
reason-api-too-large = المحتوى أكبر من { $limit } بايت
reason-api-bad-cursor = المؤشر ليس مما أعطته هذه القائمة: ابدأ من جديد بدونه
reason-api-bad-parameter = للمعامل { $name } قيمة لا يقبلها هذا المسار
reason-api-not-found = لا يوجد شيء هنا: راجع /api/docs لمعرفة المسارات
reason-api-method = هذا العنوان لا يقبل { $method }: يقبل { $allowed }
reason-idempotency-key = يتكون مفتاح عدم التكرار من 1 إلى { $max } محرفًا (محارف ASCII مرئية في الترويسة Idempotency-Key)
reason-idempotency-key-reused = استُخدم مفتاح عدم التكرار '{ $key }' من قبل لطلب مختلف؛ لم يُنفَّذ شيء (استخدم مفتاحًا جديدًا لكل طلب جديد)
