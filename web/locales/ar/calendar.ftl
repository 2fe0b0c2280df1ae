# موجزات التقويم (المسألة 17، الجزء 4): كلمات الموجز (routes/calendar.rs)
# وقسم التقويم في الملف الشخصي (templates/profile.hbs).

calendar-name = gradflow: { $name }
calendar-deadline = موعد { $stage }: { $project }
calendar-milestone = موعد تسليم { $milestone }: { $project }
calendar-scoring = موعد بطاقة تقييمك: { $project }
calendar-cohort-date = { $date }: { $cohort }
calendar-project-line = المشروع: { $project }
calendar-cohort-line = الدفعة: { $cohort }
calendar-stage-line = المرحلة: { $stage }
calendar-date-line = تاريخ الدفعة: { $date }

calendar-title = التقويم
calendar-about = يمكن أن تظهر مواعيدك النهائية ومواعيد تسليم المراحل ومواعيد التقييم وتواريخ اللجان في تطبيق التقويم لديك، محدَّثة من عنوان خاص بك.
calendar-none = ليس لديك عنوان تقويم بعد.
calendar-have = لديك عنوان تقويم أُنشئ في { $made } (بالتوقيت العالمي). لا يُعرض إلا مرة واحدة؛ أنشئ عنوانًا جديدًا إن احتجت إليه مرة أخرى.
calendar-make = أنشئ عنوان تقويمي
calendar-reset = أنشئ عنوانًا جديدًا
calendar-reset-warning = يحل العنوان الجديد محل القديم: تتوقف التقاويم المشتركة في العنوان القديم عن التحديث فورًا.
calendar-created = أُنشئ عنوان تقويمك.
calendar-replaced = أُنشئ عنوان تقويمك الجديد. لم يعد العنوان القديم يعمل.
calendar-address = عنوان تقويمك
calendar-once = انسخه الآن: لن يُعرض إلا هذه المرة. يستطيع كل من لديه هذا العنوان قراءة مواعيدك؛ فاحفظه سرًّا.
calendar-how = للاشتراك، أضف تقويمًا «من عنوان URL» في تطبيق التقويم لديك (تقويم Google أو Outlook أو تقويم Apple أو Thunderbird) والصق هذا العنوان. تتحقق التقاويم منه مجددًا كل بضع ساعات.
