// gradflow's web application as people use it, in headless Chromium driven
// by playwright-core. tests/e2e/browser.rs sets up the institute, starts the
// server and runs this script; it can also be run by hand against any
// server with the same people and projects:
//
//   GRADFLOW_BASE_URL=http://127.0.0.1:8080 GRADFLOW_SITE='{...}' \
//     node tests/browser/journeys.mjs [JOURNEY...]
//
// GRADFLOW_SITE (JSON): { password, cohort, people: { KEY: { email, name } },
//   projects: { JOURNEY: title } } (see PEOPLE and PROJECTS in browser.rs).
// GRADFLOW_ARTIFACTS: folder for the screenshots (default
//   target/browser-artifacts), one full-page PNG per page visited, named
//   JOURNEY-NN-STEP.png; JOURNEY-FAILED-N.png for every page open when a
//   journey fails.
// GRADFLOW_CHROMIUM: the browser (default /usr/bin/chromium, Debian's).
//
// Every journey asserts what a person sees: text, fields, errors next to
// the field they are about. It prints one line per journey and exits 1 if
// any failed.

import { createServer } from 'node:http';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
// axe-core, evaluated in each page to check it (Deque's accessibility rules).
const AXE_SOURCE = readFileSync(join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');
const base = required('GRADFLOW_BASE_URL').replace(/\/$/, '');
const site = JSON.parse(required('GRADFLOW_SITE'));
const artifacts = resolve(process.env.GRADFLOW_ARTIFACTS || join(here, '../../target/browser-artifacts'));
const executablePath = process.env.GRADFLOW_CHROMIUM || '/usr/bin/chromium';

// How long one wait (an element, a page) may take.
const STEP_TIMEOUT = 30_000;
// The whole run: a hung browser must not hang the test suite.
const RUN_TIMEOUT = 480_000;

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set (see the top of journeys.mjs)`);
    process.exit(2);
  }
  return value;
}

function person(key) {
  const p = site.people[key];
  if (!p) throw new Error(`GRADFLOW_SITE names no person '${key}'`);
  return p;
}

// --- Assertions ---------------------------------------------------------

class Failure extends Error {}

function check(condition, message) {
  if (!condition) throw new Failure(message);
}

// Waits until the locator's text contains `expected` (a string or a RegExp).
async function expectText(locator, expected, what) {
  const deadline = Date.now() + STEP_TIMEOUT;
  let seen = '(not found)';
  for (;;) {
    if ((await locator.count()) > 0) {
      // Fluent isolates each placeable with U+2068 and U+2069 (invisible).
      seen = (await locator.first().innerText()).replace(/[\u2068\u2069]/g, '').trim();
      const ok = expected instanceof RegExp ? expected.test(seen) : seen.includes(expected);
      if (ok) return seen;
    }
    if (Date.now() > deadline) {
      throw new Failure(`${what}: expected ${JSON.stringify(String(expected))}, saw ${JSON.stringify(seen)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function expectVisible(locator, what) {
  try {
    await locator.first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
  } catch {
    throw new Failure(`${what}: not shown`);
  }
}

async function expectAbsent(locator, what) {
  check((await locator.count()) === 0, `${what}: shown, but should not be`);
}

async function expectValue(locator, expected, what) {
  const value = await locator.inputValue();
  check(value === expected, `${what}: expected the value ${JSON.stringify(expected)}, found ${JSON.stringify(value)}`);
}

async function expectAttribute(locator, name, expected, what) {
  const value = await locator.getAttribute(name);
  check(value === expected, `${what}: expected ${name}=${JSON.stringify(expected)}, found ${JSON.stringify(value)}`);
}

// --- A journey: its browser contexts, pages and screenshots -------------

class Journey {
  constructor(name, browser) {
    this.name = name;
    this.browser = browser;
    this.contexts = [];
    this.step = 0;
    mkdirSync(artifacts, { recursive: true });
    for (const file of readdirSync(artifacts)) {
      if (file.startsWith(`${name}-`) && file.endsWith('.png')) rmSync(join(artifacts, file));
    }
  }

  // A new browser context (its own cookies: one person) and its page.
  async page(options = {}) {
    const context = await this.browser.newContext({ locale: 'en-GB', ...options });
    context.setDefaultTimeout(STEP_TIMEOUT);
    this.contexts.push(context);
    const page = await context.newPage();
    // The status of the last document loaded (after any redirect).
    page.on('response', (response) => {
      const request = response.request();
      if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
        page.lastStatus = response.status();
      }
    });
    return page;
  }

  async shot(page, step) {
    this.step += 1;
    const file = `${this.name}-${String(this.step).padStart(2, '0')}-${step}.png`;
    await page.screenshot({ path: join(artifacts, file), fullPage: true });
    await this.checkAccess(page, step);
  }

  // Checks the page against WCAG 2.2 A and AA with axe-core (labels,
  // contrast, headings, landmarks, language, ARIA); every violation fails
  // the journey, naming the rule and the elements.
  async checkAccess(page, step) {
    if (!page.url().startsWith(base)) return; // another site's page (cross-site journey)
    await page.evaluate(AXE_SOURCE);
    const found = await page.evaluate(async () => {
      const result = await window.axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
      });
      return result.violations.map(v => `${v.id} (${v.impact}): ${v.help}; at ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`);
    });
    if (found.length > 0) {
      throw new Failure(`the page '${step}' is not accessible (WCAG 2.2 AA):\n    ${found.join('\n    ')}`);
    }
  }

  // Opens `path` and saves the page.
  async go(page, path, step) {
    await page.goto(base + path);
    await this.shot(page, step);
    return page.lastStatus;
  }

  // Reloads the page and saves it.
  async reload(page, step) {
    await page.reload();
    await this.shot(page, step);
    return page.lastStatus;
  }

  // Clicks `target` (a link or a form's button), waits for the page it
  // leads to, saves it and returns its status.
  async follow(page, target, step) {
    await target.waitFor({ state: 'visible' });
    const loaded = page.waitForEvent('load');
    await target.click();
    await loaded;
    await this.shot(page, step);
    return page.lastStatus;
  }

  // Submits a form with its button, expecting `status` for the page it leads to.
  async submit(page, button, step, status = 200) {
    const got = await this.follow(page, button, step);
    if (got !== status) {
      const said = await page.locator('main').innerText().catch(() => '');
      throw new Failure(`${step}: expected status ${status}, got ${got} at ${page.url()}:\n${said.slice(0, 1500)}`);
    }
  }

  // Signs `who` in with the sign-in form (reached by opening the home page)
  // and returns their signed-in page, on their home page.
  async signIn(who, { options = {}, labels = { email: 'Email', password: 'Password', submit: 'Sign in' } } = {}) {
    const p = person(who);
    const page = await this.page(options);
    await this.go(page, '/', `${who}-signin`);
    check(new URL(page.url()).pathname === '/signin', `opening / signed out leads to /signin, not ${page.url()}`);
    await page.getByLabel(labels.email).fill(p.email);
    await page.getByLabel(labels.password).fill(site.password);
    await this.submit(page, page.getByRole('button', { name: labels.submit }), `${who}-home`);
    check(new URL(page.url()).pathname === '/', `signed in, ${who} lands on the home page, not ${page.url()}`);
    await expectText(page.locator('#nav-profile'), p.name, `${who}'s name in the menu`);
    return page;
  }

  // From the home page, opens the project called `title` (in `list`, e.g. #awaiting).
  async openProject(page, title, step, list = 'main') {
    const link = page.locator(list).getByRole('link', { name: title, exact: true });
    await expectVisible(link, `the project '${title}' in ${list}`);
    await this.submit(page, link, step);
    await expectText(page.locator('#project-title'), title, 'the project title');
  }

  async failed(error) {
    let n = 0;
    for (const context of this.contexts) {
      for (const page of context.pages()) {
        n += 1;
        const file = join(artifacts, `${this.name}-FAILED-${n}.png`);
        await page.screenshot({ path: file, fullPage: true }).catch(() => {});
        console.error(`  page ${n}: ${page.url()} (screenshot ${file})`);
      }
    }
    console.error(`  ${error instanceof Failure ? error.message : error.stack}`);
  }

  async close() {
    for (const context of this.contexts) await context.close().catch(() => {});
  }
}

// Fills the fields of `form` by their labels: { label: value }; a <select>
// is chosen by its option's text.
async function fill(form, answers) {
  for (const [label, value] of Object.entries(answers)) {
    const field = form.getByLabel(label);
    check((await field.count()) === 1, `one field labelled '${label}' in the form, found ${await field.count()}`);
    const tag = await field.evaluate((e) => e.tagName);
    if (tag === 'SELECT') await field.selectOption({ label: value });
    else await field.fill(value);
  }
}

// The stage shown on a project page, and the stages list's current one.
async function expectStage(page, stage, what) {
  await expectText(page.locator('#project-stage'), stage, `${what}: the stage`);
  await expectText(page.locator('#stages li[aria-current="step"]'), stage, `${what}: the current stage in the list`);
}

function isoDate(daysAgo) {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

// --- The journeys -------------------------------------------------------

// 1. A proposal goes from the trainee (with an evidence file) to the
// supervisor, then through the implementation's client visits, accepted by
// the coordinator, to the committee; the trainee sees each new stage.
async function proposal(j) {
  const title = site.projects.proposal;
  const trainee = await j.signIn('trainee');
  await expectText(trainee.locator('h1'), 'My projects', 'the home page');
  await j.openProject(trainee, title, 'trainee-project', '#awaiting');
  await expectStage(trainee, 'Proposal', 'a new project');
  await expectText(trainee.locator('#due'), 'Proposal is due', 'the proposal deadline');

  // An evidence file first (uploading reloads the page), then the proposal.
  const csv = 'visit,waiting minutes\nbefore,95\n';
  await trainee.locator('#upload-file').setInputFiles({
    name: 'waiting-times.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(csv),
  });
  await j.submit(trainee, trainee.getByRole('button', { name: 'Upload' }), 'trainee-uploaded');
  check(trainee.url().endsWith('#evidence'), `after an upload the page opens at the evidence, not ${trainee.url()}`);
  const fileLink = trainee.locator('#evidence-list').getByRole('link', { name: 'waiting-times.csv' });
  await expectVisible(fileLink, 'the uploaded file in the evidence list');
  await expectText(trainee.locator('#evidence-list'), person('trainee').name, 'who uploaded the file');
  const download = trainee.waitForEvent('download');
  await fileLink.click();
  const saved = await (await download).path();
  check(readFileSync(saved, 'utf8') === csv, 'the file downloads as uploaded');

  const form = trainee.locator('#act-submit');
  await fill(form, {
    'Service to improve': 'Health card renewal',
    'What clients experience today': 'Clients queue for 90 minutes and come back twice.',
    'Proposed improvement': 'An online pre-check, so the counter only prints the card.',
    'Main indicator': 'Waiting time',
    Comment: 'Waiting times measured in waiting-times.csv.',
  });
  await j.shot(trainee, 'trainee-proposal-filled');
  await j.submit(trainee, form.getByRole('button', { name: 'Submit the proposal' }), 'trainee-submitted');
  await expectStage(trainee, 'Supervisor endorsement', 'after submitting');
  await expectVisible(trainee.locator('#no-actions'), 'nothing left for the trainee');
  await expectText(trainee.locator('#waiting'), 'Endorse the proposal', 'what others are awaited for');
  await expectText(trainee.locator('#history'), 'Submit the proposal', 'the submission in the history');

  // The supervisor, in a browser of their own.
  const supervisor = await j.signIn('supervisor');
  await j.openProject(supervisor, title, 'supervisor-project', '#awaiting');
  await expectStage(supervisor, 'Supervisor endorsement', 'the supervisor');
  await expectVisible(supervisor.locator('#evidence-list').getByRole('link', { name: 'waiting-times.csv' }), 'the trainee\'s file, for the supervisor');
  await j.submit(supervisor, supervisor.locator('#act-endorse').getByRole('button', { name: 'Endorse the proposal' }), 'supervisor-endorsed');
  await expectStage(supervisor, 'Implementation', 'after the endorsement');

  await j.reload(trainee, 'trainee-implementation');
  await expectStage(trainee, 'Implementation', 'the trainee, after the endorsement');
  await expectText(trainee.locator('#history'), 'Moved from Supervisor endorsement to Implementation', 'the move in the history');
  await expectText(trainee.locator('#act-finish .note'), 'Not yet', 'sending for evaluation waits for the visits');

  // Implementation: two client visits, each accepted by the coordinator.
  const coordinator = await j.signIn('coordinator');
  await j.follow(coordinator, coordinator.locator('#cohorts').getByRole('link', { name: site.cohort }), 'coordinator-board');
  await expectText(coordinator.locator('h1'), site.cohort, 'the cohort board');
  await expectText(coordinator.locator('#stage-implementation'), '1', 'one project counted at Implementation on the board');
  await j.follow(coordinator, coordinator.locator('#stage-implementation').getByRole('link', { name: 'Implementation' }), 'coordinator-board-implementation');
  await expectText(coordinator.locator('#list-heading'), 'Implementation', 'the Implementation page of the board');
  await j.follow(coordinator, coordinator.locator('#board').getByRole('link', { name: title }), 'coordinator-project');
  for (const [visit, minutes, steps, daysAgo] of [['before', '95', '7', 2], ['after', '20', '3', 1]]) {
    const milestone = `Client visit ${visit} the change`;
    const visitForm = trainee.locator(`#act-visit_${visit}-submit`);
    await fill(visitForm, {
      'Date of the visit': isoDate(daysAgo),
      'Waiting time': minutes,
      'Steps to complete the service': steps,
      'What you observed': `Visited as a client ${visit} the change.`,
    });
    await j.submit(trainee, visitForm.getByRole('button', { name: new RegExp(`^Submit: .?${milestone}.?$`) }), `trainee-visit-${visit}`);
    await expectText(trainee.locator('#waiting'), `Accept: ${milestone}`, `the ${visit} visit awaits the coordinator`);

    await j.reload(coordinator, `coordinator-visit-${visit}`);
    const accept = coordinator.locator(`#act-visit_${visit}-accept`);
    await j.submit(coordinator, accept.getByRole('button', { name: new RegExp(`^Accept: .?${milestone}.?$`) }), `coordinator-accepted-${visit}`);
    await expectAbsent(coordinator.locator(`#act-visit_${visit}-accept`), `accepting the ${visit} visit again`);
    await j.reload(trainee, `trainee-after-${visit}`);
    await expectText(trainee.locator('#history'), `Milestone ${milestone} accepted`, `the ${visit} visit accepted, in the history`);
  }

  // The final report names the uploaded file as its evidence.
  const finish = trainee.locator('#act-finish');
  await expectAbsent(finish.locator('.note'), 'a note that sending waits');
  await fill(finish, {
    'What changed and what it achieved': 'Waiting fell from 95 to 20 minutes; three steps instead of seven.',
    'Evidence (photos, forms, statistics)': 'waiting-times.csv',
  });
  await j.submit(trainee, finish.getByRole('button', { name: 'Send for evaluation' }), 'trainee-sent-for-evaluation');
  await expectStage(trainee, 'Committee evaluation', 'after sending for evaluation');
  await j.go(trainee, '/', 'trainee-home');
  await expectText(trainee.locator('#waiting'), 'Committee evaluation', 'the home page lists the project at its new stage');
}

// 2. Two committee members score a project on the rubric (one score off
// the scale is refused next to its field first); the chair records a pass.
async function scoring(j) {
  const title = site.projects.scoring;
  const scores = [
    ['committee1', { Safety: '4', Authenticity: '4', Friendliness: '5', Efficiency: '4' }],
    ['committee2', { Safety: '3', Authenticity: '4', Friendliness: '4', Efficiency: '5' }],
  ];
  for (const [who, given] of scores) {
    const page = await j.signIn(who);
    await j.openProject(page, title, `${who}-project`, '#awaiting');
    await expectStage(page, 'Committee evaluation', who);
    const form = page.locator('#act-score');
    await expectAttribute(form.getByLabel('Safety'), 'min', '1', 'the rubric scale bounds Safety');
    await expectAttribute(form.getByLabel('Safety'), 'max', '5', 'the rubric scale bounds Safety');
    const comment = `Scored by ${person(who).name}.`;
    if (who === 'committee1') {
      await fill(form, { ...given, Safety: '9', Comment: comment });
      await j.submit(page, form.getByRole('button', { name: 'Record your scores' }), `${who}-off-scale`, 400);
      const refused = page.locator('#act-score');
      const error = refused.locator('#act-score-safety-error');
      await expectText(error, /^Safety/, 'the error next to Safety');
      const field = refused.locator('.field', { has: page.locator('#act-score-safety') });
      await expectVisible(field.locator('.error'), 'the error inside the Safety field');
      await expectAttribute(refused.getByLabel('Safety'), 'aria-invalid', 'true', 'Safety');
      await expectAttribute(refused.getByLabel('Safety'), 'aria-describedby', 'act-score-safety-error', 'Safety');
      await expectValue(refused.getByLabel('Safety'), '9', 'the score typed is kept');
      await expectValue(refused.getByLabel('Friendliness'), '5', 'the other scores are kept');
      await expectValue(refused.getByLabel('Comment'), comment, 'the comment is kept');
      await expectAbsent(refused.locator('#act-score-friendliness-error'), 'an error on a valid score');
      await expectAbsent(page.locator('#history').getByText('Scores given'), 'scores recorded by a refused form');
      await fill(refused, { Safety: given.Safety });
    } else {
      await fill(form, { ...given, Comment: comment });
    }
    await j.submit(page, page.locator('#act-score').getByRole('button', { name: 'Record your scores' }), `${who}-scored`);
    await expectText(page.locator('#history'), 'Scores given', 'the scores in the history');
    await expectText(page.locator('#history'), comment, 'the evaluator\'s comment in the history');
  }

  const chair = await j.signIn('chair');
  await j.openProject(chair, title, 'chair-project', '#awaiting');
  const pass = chair.locator('#act-pass');
  await expectAbsent(pass.locator('.note'), 'a note that the pass waits');
  await j.submit(chair, pass.getByRole('button', { name: 'Record a pass' }), 'chair-passed');
  await expectStage(chair, 'Certified', 'after the pass');

  const trainee = await j.signIn('evaluated');
  await expectText(trainee.locator('#finished'), title, 'the certified project among the finished ones');
  await j.openProject(trainee, title, 'trainee-certified', '#finished');
  await expectStage(trainee, 'Certified', 'the trainee');
}

// 3. A proposal with a required answer left empty and no choice made is
// refused: the errors are next to their fields, everything typed is kept,
// and nothing moves until it is put right.
async function invalid(j) {
  const title = site.projects.invalid;
  const page = await j.signIn('careless');
  await j.openProject(page, title, 'project', '#awaiting');
  const typed = {
    'Service to improve': 'Letters <b>to citizens</b>',
    'Proposed improvement': 'Plain-language templates.',
    Comment: 'A first draft.',
  };
  await fill(page.locator('#act-submit'), typed);
  await j.submit(page, page.locator('#act-submit').getByRole('button', { name: 'Submit the proposal' }), 'refused', 400);
  await expectStage(page, 'Proposal', 'a refused proposal');
  const form = page.locator('#act-submit');
  for (const [key, label] of [['problem', 'What clients experience today'], ['indicator', 'Main indicator']]) {
    const input = form.locator(`#act-submit-${key}`);
    const error = form.locator(`#act-submit-${key}-error`);
    await expectText(error, `${label} is required`, `the error for ${label}`);
    const field = form.locator('.field', { has: page.locator(`#act-submit-${key}`) });
    await expectText(field.locator('.error'), `${label} is required`, `the error inside the ${label} field`);
    await expectAttribute(input, 'aria-invalid', 'true', label);
    await expectAttribute(input, 'aria-describedby', `act-submit-${key}-error`, label);
  }
  for (const [label, value] of Object.entries(typed)) {
    await expectValue(form.getByLabel(label), value, `'${label}' keeps what was typed`);
  }
  await expectAttribute(form.getByLabel('Service to improve'), 'aria-invalid', null, 'a valid answer');
  await expectAbsent(form.locator('#act-submit-service-error'), 'an error on a valid answer');
  await expectAbsent(page.locator('#history').getByText('Submit the proposal'), 'a refused proposal in the history');
  // The summary at the top of the form names each problem and links to its field.
  await expectAttribute(form.locator('.error-summary'), 'role', 'alert', 'the summary of the problems');
  await expectAttribute(form.locator('.error-summary a', { hasText: 'What clients experience today is required' }), 'href', '#act-submit-problem', 'the summary links to the field');

  await fill(form, {
    'What clients experience today': 'Letters nobody understands; clients call to ask.',
    'Main indicator': 'Errors',
  });
  await j.submit(page, form.getByRole('button', { name: 'Submit the proposal' }), 'corrected');
  await expectStage(page, 'Supervisor endorsement', 'the corrected proposal');
}

// 4. The trainee's journey in Arabic: the sign-in page in the browser's
// language, then Arabic chosen on the profile page, right to left, and the
// proposal submitted.
async function arabic(j) {
  const title = site.projects.arabic;
  const me = person('arabic');
  const expectArabic = async (page, what) => {
    const html = page.locator('html');
    await expectAttribute(html, 'lang', 'ar', `${what}: <html lang>`);
    await expectAttribute(html, 'dir', 'rtl', `${what}: <html dir>`);
    const direction = await page.evaluate(() => getComputedStyle(document.body).direction);
    check(direction === 'rtl', `${what}: the page is laid out ${direction}`);
  };

  // A browser that asks for Arabic is answered in Arabic before sign-in.
  const visitor = await j.page({ locale: 'ar-OM' });
  await j.go(visitor, '/signin', 'browser-arabic-signin');
  await expectArabic(visitor, 'the sign-in page for an Arabic browser');
  await expectText(visitor.locator('h1'), 'تسجيل الدخول', 'the sign-in heading');
  await visitor.getByLabel('البريد الإلكتروني').fill(me.email);
  await visitor.getByLabel('كلمة المرور').fill('not the password');
  await j.submit(visitor, visitor.getByRole('button', { name: 'دخول' }), 'browser-arabic-refused', 401);
  await expectText(visitor.locator('#signin-error'), 'البريد الإلكتروني أو كلمة المرور غير صحيحة', 'a refused sign-in in Arabic');
  await expectValue(visitor.getByLabel('البريد الإلكتروني'), me.email, 'the email is kept');

  // An English browser: the trainee chooses Arabic on the profile page.
  const page = await j.signIn('arabic');
  await expectAttribute(page.locator('html'), 'dir', 'ltr', 'English pages');
  await j.follow(page, page.locator('#nav-profile'), 'profile');
  await expectText(page.locator('h1'), 'Profile', 'the profile page');
  await page.getByLabel('Language of the pages').selectOption('ar');
  await j.submit(page, page.getByRole('button', { name: 'Save' }), 'profile-arabic');
  await expectArabic(page, 'the profile page after choosing Arabic');
  await expectText(page.locator('h1'), 'الملف الشخصي', 'the profile heading');
  await expectValue(page.getByLabel('لغة الصفحات'), 'ar', 'the language chosen');

  await j.follow(page, page.getByRole('link', { name: 'مشاريعي' }), 'home');
  await expectArabic(page, 'the home page');
  await expectText(page.locator('h1'), 'مشاريعي', 'the home heading');
  await expectText(page.locator('#awaiting-heading'), 'بانتظارك', 'the list of what awaits');
  await j.openProject(page, title, 'project', '#awaiting');
  await expectArabic(page, 'the project page');
  await expectText(page.locator('#actions-heading'), 'ما يمكنك فعله', 'the actions heading');
  await expectText(page.locator('#due'), /(يناير|فبراير|مارس|أبريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر)/, 'the deadline with an Arabic month');
  const form = page.locator('#act-submit');
  await expectText(form.locator('label[for="act-submit-service"] .required'), 'مطلوب', 'a required field marked in Arabic');
  // The workflow's own words (stages, actions, labels, choices) in Arabic too.
  await fill(form, {
    'الخدمة المراد تحسينها': 'تجديد البطاقة الصحية',
    'ما يواجهه المستفيدون حاليًا': 'ينتظر المراجعون تسعين دقيقة.',
    'التحسين المقترح': 'فحص مسبق عبر الإنترنت.',
    'المؤشر الرئيسي': 'وقت الانتظار',
  });
  await j.shot(page, 'proposal-filled');
  await j.submit(page, form.getByRole('button', { name: 'تقديم المقترح' }), 'submitted');
  await expectArabic(page, 'the project page after submitting');
  await expectStage(page, 'اعتماد المسؤول المباشر', 'after submitting in Arabic');
  await expectText(page.locator('#no-actions'), 'لا شيء بانتظارك', 'nothing awaits the trainee, in Arabic');
  await expectText(page.locator('#history'), 'انتقل من مقترح المشروع إلى اعتماد المسؤول المباشر', 'the move in the history, in Arabic');
}

// 5. A form posted to gradflow from a page of another origin is refused,
// even with the person signed in and the form's real token, and nothing
// changes; the same answers from gradflow's own page go through.
async function crossSite(j) {
  const title = site.projects['cross-site'];
  const page = await j.signIn('targeted');
  await j.openProject(page, title, 'project', '#awaiting');
  const form = page.locator('#act-submit');
  const hidden = {};
  for (const name of ['csrf', 'action', 'version']) {
    hidden[name] = await form.locator(`input[name="${name}"]`).inputValue();
  }
  const answers = {
    'f.service': 'Clinic appointments',
    'f.problem': 'Clients come back three times.',
    'f.improvement': 'One visit with everything checked.',
    'f.indicator': 'steps',
  };
  const action = `${base}${new URL(page.url()).pathname}/act`;
  const inputs = Object.entries({ ...hidden, ...answers })
    .map(([k, v]) => `<input type="hidden" name="${k}" value="${v.replace(/"/g, '&quot;')}">`)
    .join('');
  const evil = createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>A prize</title><h1>You won a prize</h1>
      <form method="post" action="${action}">${inputs}<button type="submit">Claim it</button></form>`);
  });
  await new Promise((r) => evil.listen(0, '127.0.0.1', r));
  try {
    await j.go(page, `/`, 'home');
    await page.goto(`http://127.0.0.1:${evil.address().port}/`);
    await j.shot(page, 'other-origin');
    await j.submit(page, page.getByRole('button', { name: 'Claim it' }), 'refused', 403);
    await expectText(page.locator('#status-message'), 'did not come from gradflow', 'why the post was refused');
  } finally {
    evil.close();
  }
  await j.go(page, new URL(action).pathname.replace(/\/act$/, ''), 'unchanged');
  await expectStage(page, 'Proposal', 'after the cross-site post');
  await expectAbsent(page.locator('#history').getByText('Submit the proposal'), 'the forged submission in the history');

  await fill(page.locator('#act-submit'), {
    'Service to improve': answers['f.service'],
    'What clients experience today': answers['f.problem'],
    'Proposed improvement': answers['f.improvement'],
    'Main indicator': 'Steps to complete the service',
  });
  await j.submit(page, page.locator('#act-submit').getByRole('button', { name: 'Submit the proposal' }), 'same-origin');
  await expectStage(page, 'Supervisor endorsement', 'the same answers from gradflow\'s page');
}

// 6. Refusals and reasons in the reader's language (issue 14, part 1): in
// Arabic, a refused proposal is summed up at the top of its form (focused,
// linking to each field, what was typed kept), and "Send for evaluation"
// says in Arabic which client visits are still open; on a phone too.
async function reasons(j) {
  const noEnglish = (text, what) => {
    const run = text.match(/[A-Za-z]+[\s,;:]+[A-Za-z]+[\s,;:]+[A-Za-z]+/);
    check(run === null, `${what}: English on the Arabic page ('${run && run[0]}'): ${text}`);
  };
  for (const [device, options] of [['desktop', {}], ['phone', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }]]) {
    const page = await j.signIn('reasons', { options });
    await expectAttribute(page.locator('html'), 'lang', 'ar', 'the pages of a person who reads Arabic');
    await j.openProject(page, site.projects.reasons, `${device}-proposal`, '#awaiting');
    const form = page.locator('#act-submit');
    await fill(form, { 'الخدمة المراد تحسينها': 'مواعيد العيادة', 'المؤشر الرئيسي': 'وقت الانتظار' });
    await j.submit(page, form.getByRole('button', { name: 'تقديم المقترح' }), `${device}-refused`, 400);
    const summary = form.locator('.error-summary');
    await expectVisible(summary, 'the summary of the problems');
    await expectAttribute(summary, 'role', 'alert', 'the summary');
    const focused = await page.evaluate(() => document.activeElement?.classList.contains('error-summary') ?? false);
    check(focused, 'the focus is on the summary of the problems');
    await expectAttribute(summary.getByRole('link', { name: '«ما يواجهه المستفيدون حاليًا» مطلوب' }), 'href', '#act-submit-problem', 'a problem links to its field');
    await expectText(form.locator('#act-submit-improvement-error'), '«التحسين المقترح» مطلوب', 'the problem beside its field');
    noEnglish(await summary.innerText(), 'the summary');
    await expectValue(form.getByLabel('الخدمة المراد تحسينها'), 'مواعيد العيادة', 'what was typed is kept');
    await j.go(page, '/', `${device}-home`);
    await j.openProject(page, site.projects['reasons-next'], `${device}-not-yet`, '#awaiting');
    const notYet = page.locator('#act-finish .note');
    await expectText(notYet, 'ليس بعد: يجب قبول كل المراحل الفرعية أولًا (ما زال مفتوحًا: زيارة الخدمة قبل التحسين وزيارة الخدمة بعد التحسين)', 'why sending for evaluation must wait');
    noEnglish(await notYet.innerText(), 'the not-yet reason');
  }
}

// --- Running them -------------------------------------------------------

const JOURNEYS = { proposal, scoring, invalid, arabic, 'cross-site': crossSite, reasons };

async function main() {
  const chosen = process.argv.slice(2);
  for (const name of chosen) {
    if (!(name in JOURNEYS)) {
      console.error(`no journey '${name}'; the journeys are: ${Object.keys(JOURNEYS).join(', ')}`);
      process.exit(2);
    }
  }
  const names = chosen.length > 0 ? chosen : Object.keys(JOURNEYS);
  const started = Date.now();
  // launch() starts Chromium with --headless and a fresh, empty profile
  // (--user-data-dir in a new temporary folder, removed on close); every
  // person gets a new context (their own cookies) within it. The flags keep
  // Chromium from calling out to a network it cannot reach.
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  console.log(`Chromium ${browser.version()}, gradflow at ${base}, screenshots in ${artifacts}`);
  let failed = 0;
  for (const name of names) {
    const j = new Journey(name, browser);
    const t = Date.now();
    try {
      await JOURNEYS[name](j);
      console.log(`ok      ${name} (${j.step} pages, ${((Date.now() - t) / 1000).toFixed(1)} s)`);
    } catch (error) {
      failed += 1;
      console.error(`FAILED  ${name} (after ${j.step} pages, ${((Date.now() - t) / 1000).toFixed(1)} s)`);
      await j.failed(error);
    } finally {
      await j.close();
    }
  }
  await browser.close();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`journeys: ${names.length - failed} of ${names.length} succeeded in ${seconds} s`);
  process.exitCode = failed > 0 ? 1 : 0;
}

setTimeout(() => {
  console.error(`the journeys took more than ${RUN_TIMEOUT / 1000} s: stopped`);
  process.exit(1);
}, RUN_TIMEOUT).unref();

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
