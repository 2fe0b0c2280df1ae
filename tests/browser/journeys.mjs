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
import jsQR from 'jsqr';
import * as jose from 'jose';

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

// Chooses a level per criterion of a score form: { Criterion: '4' } (null
// leaves the criterion unchosen). Each criterion is a fieldset whose legend
// is its title.
async function chooseScores(form, scores) {
  for (const [criterion, level] of Object.entries(scores)) {
    if (level === null) continue;
    const card = form.locator('fieldset', { has: form.page().locator('legend', { hasText: criterion }) });
    await card.locator(`input[type="radio"][value="${level}"]`).check();
  }
}

// The stage shown on a project page, and the stages list's current one.
async function expectStage(page, stage, what) {
  await expectText(page.locator('#project-stage'), stage, `${what}: the stage`);
  // (An ending is listed apart, with the other endings, as their alternative.)
  await expectText(page.locator('#stages li[aria-current="step"], #endings [aria-current="step"]'), stage, `${what}: the current stage in the list`);
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

// 2. Two committee members score a project on the rubric (a criterion left
// unchosen is refused first); the chair records a pass.
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
    await expectAbsent(form.locator('#score-safety-6'), 'a level above the rubric\'s scale');
    const comment = `Scored by ${person(who).name}.`;
    if (who === 'committee1') {
      // Safety left unchosen: refused, the other choices and the comment kept.
      await chooseScores(form, { ...given, Safety: null });
      await fill(form, { Comment: comment });
      await j.submit(page, form.getByRole('button', { name: 'Record your scores' }), `${who}-unscored`, 400);
      const refused = page.locator('#act-score');
      await expectText(refused.locator('[role="alert"]'), 'Safety', 'the refusal names Safety');
      check(await refused.locator('#score-friendliness-5').isChecked(), 'the other scores are kept');
      await expectValue(refused.getByLabel('Comment'), comment, 'the comment is kept');
      await expectAbsent(page.locator('#history').getByText('Scores given'), 'scores recorded by a refused form');
      await chooseScores(refused, { Safety: given.Safety });
    } else {
      await chooseScores(form, given);
      await fill(form, { Comment: comment });
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

// --- next: what comes next, by whom by name, by when (issue 14, part 3) --

// A phone's screen: the project page and the board must fit its width.
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const WEEKDAYS_EN = '(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const WEEKDAYS_AR = '(الاثنين|الثلاثاء|الأربعاء|الخميس|الجمعة|السبت|الأحد)';
const MONTHS_AR = '(يناير|فبراير|مارس|أبريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر)';
const ARABIC_SIGN_IN = { email: 'البريد الإلكتروني', password: 'كلمة المرور', submit: 'دخول' };

async function expectNoSideways(page, what) {
  const wider = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(wider <= 1, `${what}: the page is ${wider}px wider than the phone's screen`);
}

// The card of project `title` on the board's page of stage `stageTitle`.
async function boardCard(j, page, stageKey, stageTitle, title, step) {
  await j.follow(page, page.locator('#cohorts').getByRole('link', { name: site.cohort }), `${step}-board`);
  await j.follow(page, page.locator(`#stage-${stageKey}`).getByRole('link', { name: stageTitle }), `${step}-board-stage`);
  return page.locator('#board li.card', { hasText: title });
}

// 6. The supervisor is told, by name and date, that the endorsement is
// theirs; the people on the project are listed; the coordinator's board
// card says whom it waits for. On a desktop and on a phone.
async function next(j) {
  const title = site.projects.next;
  const supervisor = person('supervisor').name;
  const line = new RegExp(`Next: Endorse the proposal — ${supervisor}, by ${WEEKDAYS_EN} \\d{1,2} [A-Z][a-z]{2} \\d{4}, \\d{2}:\\d{2} \\(5 working days; Friday and Saturday off\\)`);
  const page = await j.signIn('supervisor');
  await expectText(page.locator('#awaiting').locator('li', { hasText: title }), line, 'the Next line on the home page');
  await j.openProject(page, title, 'project', '#awaiting');
  await expectText(page.locator('#next'), line, 'the Next line on the project page');
  await expectText(page.locator('#next'), 'Times are in Muscat time.', 'the time zone named for people');
  for (const who of ['trainee', 'supervisor', 'coordinator']) {
    await expectText(page.locator('#people'), person(who).name, `the ${who} among the people on the project`);
  }

  const phone = await j.signIn('supervisor', { options: PHONE });
  await j.openProject(phone, title, 'phone-project', '#awaiting');
  await expectText(phone.locator('#next'), line, 'the Next line on a phone');
  await expectNoSideways(phone, 'the project page on a phone');

  for (const [who, options] of [['coordinator', {}], ['coordinator', PHONE]]) {
    const board = await j.signIn(who, { options });
    const step = options === PHONE ? 'phone' : 'desktop';
    const card = await boardCard(j, board, 'endorsement', 'Supervisor endorsement', title, step);
    await expectText(card, `Waiting for ${supervisor}`, 'whom the card waits for');
    await expectText(card, person('trainee').name, 'the trainee on the card');
    await expectText(card, new RegExp(`Due ${WEEKDAYS_EN} \\d{1,2} [A-Z][a-z]{2} \\d{4}, \\d{2}:\\d{2}`), 'the due date on the card');
    await expectText(card, /\d+ days? in this stage|one day in this stage/, 'the days in the stage on the card');
    await expectAbsent(card.getByText('Withdraw'), 'every possible action on the card');
    if (options === PHONE) await expectNoSideways(board, 'the board on a phone');
  }
}

// 7. The same in Arabic: the trainee (whose browser asks for Arabic) reads
// her next step with her name and an Arabic date, Muscat time named in
// Arabic; the coordinator's board on a phone, in Arabic.
async function nextArabic(j) {
  const title = site.projects['next-ar'];
  const me = person('next-trainee-ar').name;
  const arabic = { locale: 'ar-OM' };
  const line = new RegExp(`التالي: تقديم المقترح — ${me}، في موعد أقصاه ${WEEKDAYS_AR} \\d{1,2} ${MONTHS_AR} \\d{4}، \\d{2}:\\d{2}`);
  const page = await j.signIn('next-trainee-ar', { options: arabic, labels: ARABIC_SIGN_IN });
  await expectText(page.locator('#awaiting').locator('li', { hasText: title }), line, 'the Next line on the Arabic home page');
  await j.openProject(page, title, 'project', '#awaiting');
  await expectText(page.locator('#next-heading'), 'ما التالي', 'the heading in Arabic');
  await expectText(page.locator('#next'), line, 'the Next line in Arabic');
  await expectText(page.locator('#next'), 'بتوقيت مسقط', 'Muscat time, in Arabic');
  await expectText(page.locator('#people'), person('supervisor').name, 'the supervisor among the people');

  const phone = await j.signIn('next-trainee-ar', { options: { ...arabic, ...PHONE }, labels: ARABIC_SIGN_IN });
  await j.openProject(phone, title, 'phone-project', '#awaiting');
  await expectText(phone.locator('#next'), line, 'the Next line on a phone, in Arabic');
  await expectNoSideways(phone, 'the Arabic project page on a phone');

  const board = await j.signIn('coordinator', { options: { ...arabic, ...PHONE }, labels: ARABIC_SIGN_IN });
  const card = await boardCard(j, board, 'proposal', 'مقترح المشروع', title, 'phone');
  await expectText(card, `بانتظار ${me}`, 'whom the card waits for, in Arabic');
  await expectText(card, new RegExp(`الموعد: ${WEEKDAYS_AR} \\d{1,2} ${MONTHS_AR} \\d{4}`), 'the due date on the card, in Arabic');
  await expectNoSideways(board, 'the Arabic board on a phone');
}

// --- people: confirmations, the coordinator's tools, a phone ------------

// The status message at the top of the page (role="status"), its words.
async function expectStatus(page, expected, what) {
  const status = page.locator('main > [role="status"]');
  await expectVisible(status, `${what}: the status message`);
  const first = await page.evaluate(() => document.querySelector('main').firstElementChild?.getAttribute('role'));
  check(first === 'status', `${what}: the status message is the first thing in the page's content`);
  for (const e of [].concat(expected)) await expectText(status, e, `${what}: the status message`);
}

// On a phone's screen the answers stack under their labels: each answer
// starts below its label, not beside it, and nothing runs off the side.
async function expectStacked(page, what) {
  const dt = page.locator('#submitted dl.answers dt').first();
  const dd = page.locator('#submitted dl.answers dd').first();
  await expectVisible(dd, `${what}: an answer`);
  const [l, a] = [await dt.boundingBox(), await dd.boundingBox()];
  check(a.y >= l.y + l.height - 1, `${what}: the answer starts below its label (label ${JSON.stringify(l)}, answer ${JSON.stringify(a)})`);
  check(a.width > 250, `${what}: the answer takes the screen's width, not a narrow column (${a.width}px)`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `${what}: the page is ${overflow}px wider than the phone's screen`);
}

// The words of one language for the people journeys.
const PEOPLE_WORDS = {
  en: {
    locale: 'en-GB',
    signin: undefined,
    upload: 'Upload',
    proposal: {
      'Service to improve': 'Licence renewal',
      'What clients experience today': 'Three forms ask the same questions.',
      'Proposed improvement': 'One short form, filled in once.',
      'Main indicator': 'Steps to complete the service',
    },
    service: 'Service to improve',
    submit: 'Submit the proposal',
    submitted: ['“Submit the proposal” is done.', 'The project is now at: Supervisor endorsement.', 'Told by email: Khalid Al-Said (supervisor).'],
    email: 'Email', role: 'Role', give: 'Give a role', committee: 'committee member', chair: 'committee chair',
    unknown: 'Nobody is registered in gradflow with the email',
    given: (name) => `${name} is now committee chair on this project.`,
    reject: 'Reject', comment: 'Comment', confirm: /Yes, I mean it/, tick: 'Tick the box to confirm',
    rejected: ['“Reject” is done.', 'The project is now at: Withdrawn.', 'Told by email:'],
    outbox: 'Messages', proposalTitle: 'A proposal to review', pending: 'Waiting to be sent',
  },
  ar: {
    locale: 'ar-OM',
    signin: { email: 'البريد الإلكتروني', password: 'كلمة المرور', submit: 'دخول' },
    upload: 'رفع',
    proposal: {
      'الخدمة المراد تحسينها': 'تجديد الترخيص',
      'ما يواجهه المستفيدون حاليًا': 'ثلاثة نماذج تطرح الأسئلة نفسها.',
      'التحسين المقترح': 'نموذج واحد قصير يُملأ مرة واحدة.',
      'المؤشر الرئيسي': 'عدد خطوات إنجاز الخدمة',
    },
    service: 'الخدمة المراد تحسينها',
    submit: 'تقديم المقترح',
    submitted: ['تم: «تقديم المقترح».', 'أصبح المشروع الآن في مرحلة: اعتماد المسؤول المباشر.', 'أُبلغ بالبريد الإلكتروني: Khalid Al-Said (المسؤول المباشر).'],
    email: 'البريد الإلكتروني', role: 'الدور', give: 'إسناد دور', committee: 'عضو اللجنة', chair: 'رئيس اللجنة',
    unknown: 'لا يوجد أحد مسجَّل في gradflow بالبريد الإلكتروني',
    given: (name) => `أصبح ${name} بصفة رئيس اللجنة في هذا المشروع.`,
    reject: 'رفض المقترح', comment: 'تعليق', confirm: /نعم، أقصد ذلك/, tick: 'ضع علامة في المربع لتأكيد',
    rejected: ['تم: «رفض المقترح».', 'أصبح المشروع الآن في مرحلة: مسحوب.', 'أُبلغ بالبريد الإلكتروني:'],
    outbox: 'الرسائل', proposalTitle: 'مقترح بانتظار المراجعة', pending: 'بانتظار الإرسال',
  },
};

// 6 and 7. What people meet after they act, in English and in Arabic: a
// half-written proposal survives an evidence upload; the submission is
// confirmed at the top of the page, naming who was told; on a phone the
// answers stack under their labels; the coordinator's give-a-role form
// keeps what was typed and explains an unknown email, then confirms; the
// outbox names its messages in words; rejecting asks once more.
function peopleJourney(lang, trainee, journey) {
  return async (j) => {
    const w = PEOPLE_WORDS[lang];
    const title = site.projects[journey];
    const options = { locale: w.locale };
    const me = await j.signIn(trainee, { options, ...(w.signin ? { labels: w.signin } : {}) });
    await j.openProject(me, title, 'trainee-project', '#awaiting');
    // Half the proposal typed, then a file uploaded: the typed answer stays.
    const form = me.locator('#act-submit');
    const [firstLabel, firstAnswer] = Object.entries(w.proposal)[0];
    await fill(form, { [firstLabel]: firstAnswer });
    await me.locator('#upload-file').setInputFiles({ name: 'forms.csv', mimeType: 'text/csv', buffer: Buffer.from('form,questions\nA,12\n') });
    await j.submit(me, me.getByRole('button', { name: w.upload }), 'trainee-uploaded');
    await expectStatus(me, 'forms.csv', 'after the upload');
    await expectValue(me.locator('#act-submit').getByLabel(w.service), firstAnswer, 'the answer typed before the upload');
    await fill(me.locator('#act-submit'), w.proposal);
    await j.submit(me, me.locator('#act-submit').getByRole('button', { name: w.submit }), 'trainee-submitted');
    await expectStatus(me, w.submitted, 'after submitting');

    // The same page on a phone: answers under their labels, one column.
    const phone = await j.signIn(trainee, { options: { ...options, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }, ...(w.signin ? { labels: w.signin } : {}) });
    await j.openProject(phone, title, 'phone-project');
    await expectStacked(phone, 'a phone');
    await j.shot(phone, 'phone-answers');

    // The coordinator gives a role: an unknown email is explained, what was
    // typed is kept, and no role is chosen for them.
    const coordinator = await j.signIn('coordinator', { options, ...(w.signin ? { labels: w.signin } : {}) });
    await j.follow(coordinator, coordinator.locator('#cohorts').getByRole('link', { name: site.cohort }), 'coordinator-board');
    await j.go(coordinator, new URL(me.url()).pathname, 'coordinator-project');
    const give = coordinator.locator('#give-role');
    await expectValue(give.getByLabel(w.role), '', 'no role chosen beforehand');
    await give.getByLabel(w.email).fill('new.evaluator@example.org');
    await give.getByLabel(w.role).selectOption({ label: w.committee });
    await j.submit(coordinator, give.getByRole('button', { name: w.give }), 'coordinator-unknown-email', 404);
    await expectText(coordinator.locator('#give-role-problem'), w.unknown, 'why the email was refused');
    await expectText(coordinator.locator('#give-role-problem'), 'gradflow person add', 'how to add the person');
    await expectValue(coordinator.locator('#give-role').getByLabel(w.email), 'new.evaluator@example.org', 'the email typed is kept');
    await expectValue(coordinator.locator('#give-role').getByLabel(w.role), 'committee', 'the role chosen is kept');
    await coordinator.locator('#give-role').getByLabel(w.email).fill(person('chair').email);
    await coordinator.locator('#give-role').getByLabel(w.role).selectOption({ label: w.chair });
    await j.submit(coordinator, coordinator.locator('#give-role').getByRole('button', { name: w.give }), 'coordinator-gave-role');
    await expectStatus(coordinator, w.given(person('chair').name), 'after giving a role');

    // Rejecting asks once more: without the box ticked nothing happens.
    const reject = coordinator.locator('#act-reject');
    const button = reject.getByRole('button', { name: w.reject });
    await expectAttribute(button, 'class', 'secondary', 'the Reject button looks secondary');
    await reject.getByLabel(w.comment).fill(lang === 'en' ? 'Out of the programme\'s scope.' : 'خارج نطاق البرنامج.');
    await j.submit(coordinator, button, 'coordinator-reject-unconfirmed', 400);
    await expectText(coordinator.locator('#act-reject'), w.tick, 'the form asks to confirm');
    await expectValue(coordinator.locator('#act-reject').getByLabel(w.comment), lang === 'en' ? 'Out of the programme\'s scope.' : 'خارج نطاق البرنامج.', 'the reason is kept');
    await coordinator.locator('#act-reject').getByLabel(w.confirm).check();
    await j.submit(coordinator, coordinator.locator('#act-reject').getByRole('button', { name: w.reject }), 'coordinator-rejected');
    await expectStatus(coordinator, w.rejected, 'after rejecting');

    // The outbox in words: the supervisor's message titled, its state explained.
    await j.go(coordinator, '/', 'coordinator-home');
    await j.follow(coordinator, coordinator.locator('#cohorts').getByRole('link', { name: site.cohort }), 'coordinator-board-again');
    await j.follow(coordinator, coordinator.getByRole('link', { name: w.outbox, exact: true }).first(), 'coordinator-outbox');
    await expectText(coordinator.locator('#outbox'), w.proposalTitle, 'a message titled in words');
    await expectText(coordinator.locator('#outbox'), w.pending, 'a message state in words');
  };
}

// --- Scoring with the rubric in view; the chair's decision panel ---------
// (routes/scoring.rs). The projects were measured at 80 minutes' wait
// before the change and 25 after it; the S.A.F.E. rubric passes with a
// weighted mean of at least 3 and no criterion mean below 2, once 2
// evaluators have scored.
//
// Committee 1 scores 4, 3, 2, 5 and committee 2 scores 3, 3, 1, 2 (Safety,
// Authenticity, Friendliness, Efficiency): means 3.5, 3, 1.5, 3.5; weighted
// mean 11.5 / 4 = 2.875, shown 2.88; Efficiency's spread 3 is above 2.

// 5. An evaluator reads the work, then the rubric: one card per criterion
// with its weight and levels' descriptors, the pass rule in words (on a
// phone too); once scored, their own scorecard. The chair reads the panel:
// why a fail cannot be recorded with one scorecard, then the figures and
// why a pass cannot be recorded with both.
async function committee(j) {
  const title = site.projects.committee;
  // The score form on a phone: one card per criterion, nothing wider than the screen.
  const phone = await j.signIn('committee1', { options: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } });
  await j.openProject(phone, title, 'phone-project');
  await expectVisible(phone.locator('#act-score fieldset').first(), 'the first criterion card on a phone');
  const wide = await phone.evaluate(() => document.documentElement.scrollWidth);
  check(wide <= 390, `the page is ${wide} px wide on a 390 px phone`);
  for (const card of await phone.locator('#act-score fieldset').all()) {
    const box = await card.boundingBox();
    check(box && box.x >= 0 && box.x + box.width <= 390, `a criterion card fits the phone: ${JSON.stringify(box)}`);
  }
  await phone.locator('#criterion-efficiency').scrollIntoViewIfNeeded();
  await j.shot(phone, 'phone-score-form');

  const evaluator = await j.signIn('committee1');
  await j.openProject(evaluator, title, 'evaluator-project');
  const scoring = evaluator.locator('#scoring');
  await expectText(evaluator.locator('#pass-rule'), 'Passes with a weighted mean of at least 3 and no criterion below 2, once 2 evaluators have scored.', 'the pass rule in words');
  await expectText(scoring.locator('#improvement'), 'Waiting time 80 → 25 min (−69%)', 'the improvement in the work to score');
  await expectText(scoring.locator('#work'), 'Client visit before the change', 'the visits in the work to score');
  const order = await evaluator.evaluate(() => {
    const work = document.querySelector('#work');
    const form = document.querySelector('#act-score');
    return Boolean(work.compareDocumentPosition(form) & Node.DOCUMENT_POSITION_FOLLOWING);
  });
  check(order, 'the work to score comes before the score form');
  const safety = evaluator.locator('#criterion-safety');
  await expectText(safety.locator('legend'), 'Safety (weight 1)', 'the criterion and its weight');
  await expectText(safety, '1 — Clients or staff are put at risk', 'level 1 described');
  await expectText(safety, '5 — Safety is designed into the service', 'level 5 described');
  await expectVisible(evaluator.getByLabel('3 — Risks are known and handled').first(), 'a level chosen by its descriptor');
  await chooseScores(evaluator.locator('#act-score'), { Safety: '4', Authenticity: '3', Friendliness: '2', Efficiency: '5' });
  await j.shot(evaluator, 'evaluator-chosen');
  await j.submit(evaluator, evaluator.locator('#act-score').getByRole('button', { name: 'Record your scores' }), 'evaluator-scored');
  await expectAbsent(evaluator.locator('#act-score'), 'the score form after scoring');
  const mine = evaluator.locator('#my-scorecard');
  await expectText(mine.locator('h3'), 'Your scorecard, as you submitted it', 'the evaluator\'s own scorecard');
  await expectText(mine, /Efficiency\s+5\s+Fast, few steps, no repeat visits/, 'the score with its descriptor');

  const chair = await j.signIn('chair');
  await j.openProject(chair, title, 'chair-one-scorecard');
  const panel = chair.locator('#panel');
  await expectText(panel.locator('#panel-rule-quorum'), 'One scorecard is in of 2 evaluators; 2 needed for a result.', 'quorum, one of two');
  await expectText(panel.locator('#panel-decision-fail'), 'Record a fail: not possible yet — it needs 2 scorecards, and one is in.', 'why a fail waits');
  await expectText(panel.locator('#panel-decision-pass'), 'Record a pass: not possible yet — the project does not pass: one scorecard is in of the 2 needed.', 'why a pass waits');

  const second = await j.signIn('committee2');
  await j.openProject(second, title, 'second-evaluator-project');
  await chooseScores(second.locator('#act-score'), { Safety: '3', Authenticity: '3', Friendliness: '1', Efficiency: '2' });
  await j.submit(second, second.locator('#act-score').getByRole('button', { name: 'Record your scores' }), 'second-evaluator-scored');

  await j.reload(chair, 'chair-panel');
  await expectText(panel.locator('#panel-safety'), 'Safety\t1\t4\t3\t3.5\t1', 'Safety: weight, scores, mean, spread');
  await expectText(panel.locator('#panel-friendliness'), 'Friendliness\t1\t2\t1\t1.5 below the minimum\t1', 'Friendliness below the minimum');
  await expectText(panel.locator('#panel-efficiency'), 'Efficiency\t1\t5\t2\t3.5\t3 too wide', 'Efficiency\'s spread too wide');
  await expectText(panel.locator('#panel-rule-mean'), 'Weighted mean 2.88: below 3, which the pass rule asks.', 'the weighted mean against the pass rule');
  await expectText(panel.locator('#panel-rule-each'), 'Lowest criterion mean 1.5 (Friendliness): below 2, which each criterion needs.', 'the lowest criterion mean');
  await expectText(panel.locator('#panel-rule-spread'), 'Evaluators disagree', 'the spread against the moderation threshold');
  await expectText(panel.locator('#panel-rule-quorum'), '2 scorecards are in of 2 evaluators', 'quorum met');
  await expectText(panel.locator('#panel-decision-pass'), 'Record a pass: not possible yet — the project does not pass: the weighted mean 2.88 is below 3; Friendliness has a mean of 1.5, below 2.', 'why a pass is not possible');
  // Efficiency's spread (3) is above the rubric's 2: no decision before the chair moderates.
  await expectText(panel.locator('#panel-decision-fail'), 'Record a fail: not possible yet — the chair must moderate first: Efficiency.', 'a fail waits for moderation');
  await expectText(chair.locator('#panel-criteria thead'), person('committee1').name, 'evaluators by name');
}

// 6. The same in Arabic: the rubric's and the catalogue's words, the pass
// rule, the panel's figures and why not, the improvement read right to left.
async function committeeArabic(j) {
  const title = site.projects['committee-ar'];
  const arabic = { options: { locale: 'ar-OM' }, labels: { email: 'البريد الإلكتروني', password: 'كلمة المرور', submit: 'دخول' } };
  const phone = await j.signIn('committee1', { ...arabic, options: { ...arabic.options, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } });
  await j.openProject(phone, title, 'phone-project');
  const wide = await phone.evaluate(() => document.documentElement.scrollWidth);
  check(wide <= 390, `the Arabic page is ${wide} px wide on a 390 px phone`);
  await j.shot(phone, 'phone-score-form');

  const evaluator = await j.signIn('committee1', arabic);
  await j.openProject(evaluator, title, 'evaluator-project');
  await expectText(evaluator.locator('#pass-rule'), 'ينجح المشروع إذا بلغ المتوسط الموزون 3 على الأقل ولم يقل أي معيار عن 2، وذلك بعد أن يقيّمه مقيّمان.', 'the pass rule in Arabic');
  await expectText(evaluator.locator('#improvement'), 'مدة الانتظار 80 ← 25 دقيقة (−69%)', 'the improvement in Arabic');
  const safety = evaluator.locator('#criterion-safety');
  await expectText(safety.locator('legend'), 'السلامة (الوزن 1)', 'the criterion and its weight in Arabic');
  await expectText(safety, '1 — يتعرض المستفيدون أو الموظفون للخطر', 'level 1 described in Arabic');
  await chooseScores(evaluator.locator('#act-score'), { 'السلامة': '4', 'المصداقية': '3', 'حسن التعامل': '2', 'الكفاءة': '5' });
  await j.submit(evaluator, evaluator.locator('#act-score').getByRole('button', { name: 'رصد الدرجات' }), 'evaluator-scored');
  await expectText(evaluator.locator('#my-scorecard h3'), 'بطاقة تقييمك كما قدّمتها', 'the own scorecard in Arabic');

  const chair = await j.signIn('chair', arabic);
  await j.openProject(chair, title, 'chair-one-scorecard');
  await expectText(chair.locator('#panel-decision-fail'), 'تسجيل عدم النجاح: غير متاح بعد — يلزم 2 من بطاقات التقييم، ووصلت بطاقة واحدة.', 'why a fail waits, in Arabic');

  const second = await j.signIn('committee2', arabic);
  await j.openProject(second, title, 'second-evaluator-project');
  await chooseScores(second.locator('#act-score'), { 'السلامة': '3', 'المصداقية': '3', 'حسن التعامل': '1', 'الكفاءة': '2' });
  await j.submit(second, second.locator('#act-score').getByRole('button', { name: 'رصد الدرجات' }), 'second-evaluator-scored');

  await j.reload(chair, 'chair-panel');
  const panel = chair.locator('#panel');
  await expectText(panel.locator('#panel-rule-mean'), 'المتوسط الموزون 2.88: أقل من 3 الذي تشترطه قاعدة النجاح.', 'the weighted mean in Arabic');
  await expectText(panel.locator('#panel-rule-each'), 'أدنى متوسط لمعيار 1.5 (حسن التعامل): أقل من 2 الذي يحتاجه كل معيار.', 'the lowest criterion mean in Arabic');
  await expectText(panel.locator('#panel-decision-pass'), 'تسجيل النجاح: غير متاح بعد — المشروع لا ينجح: المتوسط الموزون 2.88 أقل من 3؛ متوسط حسن التعامل هو 1.5، وهو أقل من 2.', 'why a pass is not possible, in Arabic');
  await expectText(panel.locator('#panel-decision-fail'), 'تسجيل عدم النجاح: غير متاح بعد — يجب أن يراجع رئيس اللجنة الدرجات أولًا: الكفاءة.', 'a fail waits for moderation, in Arabic');
  const english = await panel.innerText();
  for (const words of ['Weighted mean', 'not possible', 'Friendliness', 'scorecard']) {
    check(!english.includes(words), `no '${words}' on the Arabic panel: ${english}`);
  }
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

// Forms that survive a busy project: the trainee types a proposal; the
// project moves underneath (the coordinator withdraws it from another
// browser); the trainee sends her form and finds her words kept and what
// changed, said at the top of the page.
async function busy(j) {
  const title = site.projects.busy;
  const trainee = await j.signIn('busy');
  await j.openProject(trainee, title, 'busy-project');
  const path = new URL(trainee.url()).pathname;
  const answers = {
    'Service to improve': 'Birth certificate copies',
    'What clients experience today': 'Two visits for one copy.\nThe queue starts at six.',
    'Proposed improvement': 'Copies posted the same day.',
    'Main indicator': 'Steps to complete the service',
  };
  await fill(trainee.locator('#act-submit'), answers);

  const coordinator = await j.signIn('coordinator');
  await j.go(coordinator, path, 'busy-coordinator-project');
  const withdraw = coordinator.locator('#act-withdraw');
  await withdraw.getByLabel('Comment').fill('The service moves to another ministry.');
  await withdraw.locator('input[type="checkbox"][name="confirm"]').check();
  await j.submit(coordinator, withdraw.getByRole('button', { name: 'Withdraw' }), 'busy-withdrawn');
  await expectStage(coordinator, 'Withdrawn', 'withdrawn by the coordinator');

  await j.submit(trainee, trainee.locator('#act-submit').getByRole('button', { name: 'Submit the proposal' }), 'busy-came-back', 409);
  await expectText(trainee.locator('#moved-heading'), 'While you were writing, the project moved to Withdrawn. Nothing was sent.', 'what changed, at the top');
  await expectText(trainee.locator('#moved-changes'), 'The service moves to another ministry.', 'the coordinator\'s words among what changed');
  await expectText(trainee.locator('#moved-next'), '“Submit the proposal” can no longer be done now.', 'what she can do now');
  const kept = await trainee.locator('#kept textarea').evaluateAll((els) => els.map((e) => e.value));
  for (const typed of Object.values(answers)) {
    check(kept.includes(typed), `'${typed}' kept to copy, among ${JSON.stringify(kept)}`);
  }
}

// 15. The certificate (issue 15, parts 7 and 8): the certified trainee finds it on
// her home page and downloads its signed Open Badge; printed to PDF by Chromium it is one page on A4 and on
// Letter, in English and in Arabic; its QR code, read from a screenshot by
// an independent decoder (jsQR), is the public check address, which says
// the certificate is valid.
function pdfPages(pdf) {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) || []).length;
}

async function decodeQr(j, page) {
  const png = await page.locator('img#qr').screenshot();
  // Drawn on a canvas in a blank page (no site, no policy), read as pixels.
  const blank = await page.context().newPage();
  const { width, height, data } = await blank.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const scale = 4;
    const canvas = document.createElement('canvas');
    canvas.width = img.width * scale;
    canvas.height = img.height * scale;
    const ctx = canvas.getContext('2d');
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height);
    return { width: pixels.width, height: pixels.height, data: Array.from(pixels.data) };
  }, png.toString('base64'));
  await blank.close();
  const found = jsQR(Uint8ClampedArray.from(data), width, height);
  check(found, 'the QR code on the certificate decodes');
  return found.data;
}

async function certificate(j) {
  const trainee = await j.signIn('certified');
  const link = trainee.locator('#certificates').getByRole('link');
  await expectVisible(link, 'the certificate on the home page');
  await j.submit(trainee, link.first(), 'certificate');
  await expectText(trainee.locator('#holder'), person('certified').name, 'the holder');
  await expectText(trainee.locator('#certificate-number'), 'GF-', 'the number');
  const code = (await trainee.locator('#certificate-code').innerText()).trim();
  const address = (await trainee.locator('#check-address').innerText()).trim();
  check(address === `${base}/verify/${code}`, `the check address ${address} is the public URL's /verify/CODE`);
  for (const format of ['A4', 'Letter']) {
    const pages = pdfPages(await trainee.pdf({ format }));
    check(pages === 1, `the certificate prints on one ${format} page, not ${pages}`);
  }
  const decoded = await decodeQr(j, trainee);
  check(decoded === address, `the QR code says ${JSON.stringify(decoded)}, not the check address ${address}`);

  // Her Open Badge (issue 15, part 8): downloaded from the page, a VC-JWT
  // that jose verifies with the site's published keys, naming her.
  const credential = trainee.waitForEvent('download');
  await trainee.locator('#download-credential').click();
  const jwt = readFileSync(await (await credential).path(), 'utf8').trim();
  const keys = jose.createRemoteJWKSet(new URL('/.well-known/jwks.json', base));
  const { payload } = await jose.jwtVerify(jwt, keys, { algorithms: ['EdDSA'] });
  check(payload.type.includes('OpenBadgeCredential'), 'the download is an OpenBadgeCredential');
  check(payload.credentialSubject.identifier[0].identityHash === person('certified').name,
    `the credential names ${payload.credentialSubject.identifier[0].identityHash}, not the holder`);

  // In Arabic, right to left, also on one page.
  await j.submit(trainee, trainee.locator('#other-language'), 'certificate-ar');
  await expectAttribute(trainee.locator('html'), 'dir', 'rtl', 'the Arabic certificate');
  await expectText(trainee.locator('main'), 'يُشهد بأن', 'the Arabic words');
  for (const format of ['A4', 'Letter']) {
    const pages = pdfPages(await trainee.pdf({ format }));
    check(pages === 1, `the Arabic certificate prints on one ${format} page, not ${pages}`);
  }

  // The address the QR code holds, opened by anyone: valid.
  const visitor = await j.page();
  await visitor.goto(decoded);
  await j.shot(visitor, 'verify');
  await expectText(visitor.locator('#verify-status'), 'This certificate is valid.', 'the public check');
  await expectText(visitor.locator('#verify-holder'), person('certified').name, 'the holder on the check');
}

// --- Running them -------------------------------------------------------

// The coordinators' dates page (calendar2, issue 15): from the board, a
// form that names nobody and a calendar change that changes nothing are
// each refused with the engine's reason, the form kept as typed; on a
// phone the page does not scroll sideways. Nothing is changed, so the
// other journeys' dates stay as they were.
async function dates(j) {
  for (const [step, options] of [['desktop', {}], ['phone', PHONE]]) {
    const page = await j.signIn('coordinator', { options });
    await j.follow(page, page.locator('#cohorts').getByRole('link', { name: site.cohort }), `${step}-board`);
    await j.submit(page, page.locator('#board-dates'), `${step}-dates`);
    await expectText(page.locator('h1'), `Dates and extensions: ${site.cohort}`, 'the dates page');
    await expectVisible(page.locator('#dates-trainees'), 'the trainees to choose from');
    const extend = page.locator('#dates-extend');
    await extend.getByLabel('New date').fill('2027-07-01');
    await extend.getByLabel('Reason').fill('Office closed');
    await j.submit(page, extend.getByRole('button', { name: 'Extend' }), `${step}-nobody-refused`, 400);
    await expectText(page.locator('#dates-error'), /choose 1 to 500 trainees/, 'why nobody can be extended');
    await expectAttribute(page.locator('#dates-error'), 'role', 'alert', 'the refusal');
    await expectValue(page.locator('#dates-extend').getByLabel('Reason'), 'Office closed', 'what was typed is kept');
    const calendar = page.locator('#dates-calendar');
    await calendar.getByLabel('Reason').fill('Nothing really');
    await j.submit(page, calendar.getByRole('button', { name: 'Change the calendar' }), `${step}-unchanged-refused`, 400);
    await expectText(page.locator('#dates-error'), /nothing to change/, 'a change that changes nothing');
    if (options === PHONE) await expectNoSideways(page, 'the dates page on a phone');
  }
}

// Intake (issue 16, part 1 on the web): a supervisor nominates a person of
// their organization (and is refused a second nomination of the same
// person, the reason typed kept); a person asks to join, naming that
// supervisor, who endorses the request; the coordinator opens the
// cohort's candidates from its board, filters them, and accepts both,
// each acceptance confirmed with the project started and what comes next.
// `words` are the page's words in its language (INTAKE_WORDS), `keys` the
// people and cohort of this run (site.intake[lang]).
const INTAKE_WORDS = {
  en: {
    signIn: undefined,
    supervision: 'Nominations and endorsements',
    cohort: 'Cohort', person: 'Person', why: 'Why you nominate them', nominate: 'Nominate',
    nominated: (who, cohort) => `${who} is nominated for ${cohort}.`,
    next: 'Next:',
    endorsed: 'Endorsed', submitted: 'Submitted', accepted: 'Accepted',
    applications: 'Your applications',
    supervisorEmail: "Your supervisor's email", joinWhy: 'Why you want to join', join: 'Ask to join',
    requested: (cohort) => `Your request to join ${cohort} is sent.`,
    endorseNext: (supervisor) => `${supervisor} endorses or refuses the request`,
    endorse: 'Endorse',
    endorsedDone: (who) => `You endorsed ${who}'s request`,
    candidates: 'Candidates', state: 'State', show: 'Show', accept: 'Accept',
    acceptedDone: (who, cohort) => `${who} is accepted into ${cohort}`,
    exists: /already/,
    needsSupervisor: /supervisor/,
  },
  ar: {
    signIn: ARABIC_SIGN_IN,
    supervision: 'الترشيحات والتزكيات',
    cohort: 'الدفعة', person: 'الشخص', why: 'لماذا ترشحه', nominate: 'رشّح',
    nominated: (who, cohort) => `رُشّح ${who} إلى ${cohort}.`,
    next: 'التالي:',
    endorsed: 'مُزكّى', submitted: 'مقدَّم', accepted: 'مقبول',
    applications: 'طلباتك',
    supervisorEmail: 'البريد الإلكتروني لمشرفك', joinWhy: 'لماذا تريد الانضمام', join: 'اطلب الانضمام',
    requested: (cohort) => `أُرسل طلبك للانضمام إلى ${cohort}.`,
    endorseNext: (supervisor) => `يزكّي ${supervisor} الطلب أو يرفضه`,
    endorse: 'زكِّ',
    endorsedDone: (who) => `زكّيت طلب ${who}`,
    candidates: 'المرشحون', state: 'الحالة', show: 'اعرض', accept: 'اقبل',
    acceptedDone: (who, cohort) => `قُبل ${who} في ${cohort}`,
    exists: /[\u0600-\u06FF]/,
    needsSupervisor: /[\u0600-\u06FF]/,
  },
};

function intakeJourney(lang) {
  return async (j) => {
    const w = INTAKE_WORDS[lang];
    const keys = site.intake[lang];
    const cohort = keys.cohort;
    const nominee = person(keys.nominee).name;
    const applicant = person(keys.applicant);
    const supervisorName = person(keys.supervisor).name;
    const options = lang === 'ar' ? { locale: 'ar-OM' } : {};
    const labels = w.signIn ? { labels: w.signIn } : {};
    const expectLang = async (page, what) => {
      await expectAttribute(page.locator('html'), 'lang', lang, `${what}: <html lang>`);
      await expectAttribute(page.locator('html'), 'dir', lang === 'ar' ? 'rtl' : 'ltr', `${what}: <html dir>`);
    };

    // The supervisor finds the nomination form from the home page.
    const sup = await j.signIn(keys.supervisor, { options, ...labels });
    await j.submit(sup, sup.locator('#intake-supervision'), 'supervisor-page');
    await expectLang(sup, 'the supervision page');
    await expectText(sup.locator('h1'), w.supervision, 'the supervision page');
    let form = sup.locator('#nominate');
    await form.getByLabel(w.cohort).selectOption({ label: cohort });
    await form.getByLabel(w.person, { exact: true }).selectOption({ label: nominee });
    await form.getByLabel(w.why).fill('Runs the busiest counter; ready to lead a change.');
    await j.submit(sup, form.getByRole('button', { name: w.nominate }), 'nominated');
    await expectText(sup.locator('#done'), w.nominated(nominee, cohort), 'the nomination confirmed');
    await expectText(sup.locator('#done'), w.next, 'what comes next after a nomination');
    await expectText(sup.locator('#nominations').locator('li', { hasText: nominee }), w.endorsed, 'the nomination listed');
    // The same person again: refused with the engine's reason, as typed.
    form = sup.locator('#nominate');
    await form.getByLabel(w.cohort).selectOption({ label: cohort });
    await form.getByLabel(w.person, { exact: true }).selectOption({ label: nominee });
    await form.getByLabel(w.why).fill('Once more');
    await j.submit(sup, form.getByRole('button', { name: w.nominate }), 'nominated-twice', 409);
    await expectText(sup.locator('#supervision-error'), w.exists, 'a second nomination refused');
    await expectAttribute(sup.locator('#supervision-error'), 'role', 'alert', 'the refusal');
    await expectValue(sup.locator('#nominate').getByLabel(w.why), 'Once more', 'the reason typed is kept');

    // A person asks to join; the program asks for their supervisor.
    const me = await j.signIn(keys.applicant, { options, ...labels });
    await j.submit(me, me.locator('#intake-join'), 'applications');
    await expectLang(me, 'the applications page');
    const join = me.locator('form', { has: me.getByRole('heading', { name: cohort }) });
    await join.getByLabel(w.joinWhy).fill('I want to shorten the queue at my counter.');
    await j.submit(me, join.getByRole('button', { name: w.join }), 'no-supervisor-refused', 400);
    await expectText(me.locator('[id$="-error"]'), w.needsSupervisor, 'a request without its supervisor refused');
    await expectValue(me.locator('form', { has: me.getByRole('heading', { name: cohort }) }).getByLabel(w.joinWhy), 'I want to shorten the queue at my counter.', 'the reason typed is kept');
    const again = me.locator('form', { has: me.getByRole('heading', { name: cohort }) });
    await again.getByLabel(w.supervisorEmail).fill(person(keys.supervisor).email);
    await j.submit(me, again.getByRole('button', { name: w.join }), 'requested');
    await expectText(me.locator('#done'), w.requested(cohort), 'the request confirmed');
    await expectText(me.locator('#done'), w.endorseNext(supervisorName), 'whose turn it is now, by name');
    await expectText(me.locator('#applications'), w.submitted, 'the request listed');

    // The supervisor endorses it.
    await j.go(sup, '/supervision', 'supervisor-requests');
    const request = sup.locator('#endorse li', { hasText: applicant.name });
    await j.submit(sup, request.getByRole('button', { name: w.endorse, exact: true }), 'endorsed');
    await expectText(sup.locator('#done'), w.endorsedDone(applicant.name), 'the endorsement confirmed');

    // The coordinator accepts both from the cohort's candidates.
    const coord = await j.signIn('coordinator', { options, ...labels });
    await j.follow(coord, coord.locator('#cohorts').getByRole('link', { name: cohort, exact: true }), 'board');
    await j.submit(coord, coord.locator('#board-candidates'), 'candidates');
    await expectLang(coord, 'the candidates page');
    await coord.locator('#candidates-filter').getByLabel(w.state).selectOption({ label: w.endorsed });
    await j.submit(coord, coord.locator('#candidates-show'), 'candidates-endorsed');
    for (const name of [nominee, applicant.name]) {
      await expectText(coord.locator('#candidates tbody tr', { hasText: name }), w.endorsed, `${name} among the endorsed`);
      await coord.locator('#candidates').getByLabel(name, { exact: true }).check();
    }
    await j.submit(coord, coord.locator('#candidates-accept'), 'accepted');
    await expectText(coord.locator('#done'), w.acceptedDone(nominee, cohort), 'the nominee accepted');
    await expectText(coord.locator('#done'), w.acceptedDone(applicant.name, cohort), 'the applicant accepted');
    await expectText(coord.locator('#done'), w.next, 'what comes next for each');

    // The applicant sees it.
    await j.go(me, '/applications', 'accepted');
    await expectText(me.locator('#applications'), w.accepted, 'the application accepted');
  };
}

const JOURNEYS = {
  proposal, scoring, invalid, arabic, 'cross-site': crossSite,
  next, 'next-ar': nextArabic, committee, 'committee-ar': committeeArabic,
  people: peopleJourney('en', 'people', 'people'),
  'people-arabic': peopleJourney('ar', 'peoplear', 'people-arabic'),
  reasons, busy, certificate, dates,
  import: importJourney, // defined in the section at the end of this file
  intake: intakeJourney('en'), 'intake-ar': intakeJourney('ar'),
};

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

// --- Loading people from a spreadsheet (issue 16, part 3: import) -------
//
// The coordinator opens "Load people from a spreadsheet" from the board,
// in English and then in Arabic (a browser asking for Arabic): a file with
// bad rows is refused with each bad row named by its line in the page's
// language and nothing changed; a good file is checked (what would
// change, nothing changed yet), then confirmed and imported. The pages
// pass the accessibility check like every other.
const IMPORT_FILES = {
  en: {
    bad: 'email,name,organization,role,supervisor,title\n' +
      'sup-en@import.example,Khalid Mansour,Ministry of Health,supervisor,,\n' +
      'amal-en@import.example,Amal Yousef,Ministry of Health,wizard,,\n' +
      'amal-en@import.example,Amal Yousef,Ministry of Health,evaluator,,\n',
    good: '\ufeffemail,name,organization,language,role,supervisor,title\r\n' +
      'sup-en@import.example,Khalid Mansour,Ministry of Health,en,supervisor,,\r\n' +
      'amal-en@import.example,Amal Yousef,Ministry of Health,en,trainee,sup-en@import.example,"Waiting times, outpatients"\r\n' +
      'badr-en@import.example,Badr Said,Ministry of Health,en,trainee,sup-en@import.example,Fewer lost referrals\r\n',
    labels: { check: 'Check it and show what would change (nothing is changed)', file: 'CSV file', send: 'Send the file', confirm: 'Import these people now' },
    title: 'Load people from a spreadsheet',
    refused: [/Line 3: 'wizard' is not a role/, /Line 4: amal-en@import\.example is already given on line 3/],
    plan: /3 people: 3 new, 0 already registered; 2 project\(s\) started/,
    done: /Imported 3 people \(3 new\): 2 project\(s\) started/,
  },
  ar: {
    bad: 'email,name,organization,role,supervisor,title\n' +
      'sup-ar@import.example,خالد منصور,وزارة الصحة,supervisor,,\n' +
      'amal-ar@import.example,أمل يوسف,وزارة الصحة,wizard,,\n' +
      'amal-ar@import.example,أمل يوسف,وزارة الصحة,evaluator,,\n',
    good: '\ufeffemail,name,organization,language,role,supervisor,title\r\n' +
      'sup-ar@import.example,خالد منصور,وزارة الصحة,ar,supervisor,,\r\n' +
      'amal-ar@import.example,أمل يوسف,وزارة الصحة,ar,trainee,sup-ar@import.example,"تقليل الانتظار، العيادات الخارجية"\r\n' +
      'badr-ar@import.example,بدر سعيد,وزارة الصحة,ar,trainee,sup-ar@import.example,إحالات أقل ضياعًا\r\n',
    labels: { check: 'افحصه واعرض ما سيتغير (لا يتغير شيء)', file: 'ملف CSV', send: 'إرسال الملف', confirm: 'استورد هؤلاء الأشخاص الآن' },
    title: 'تحميل الأشخاص من جدول بيانات',
    refused: [/السطر 3: 'wizard' ليس دورًا يمنحه الاستيراد/, /السطر 4: amal-ar@import\.example مذكور من قبل في السطر 3/],
    plan: /3 شخصًا: 3 جديد و0 مسجّل من قبل؛ يبدأ 2 مشروعًا/,
    done: /استُورد 3 شخصًا \(3 جديد\): بدأ 2 مشروعًا/,
  },
};

async function importJourney(j) {
  for (const lang of ['en', 'ar']) {
    const words = IMPORT_FILES[lang];
    const page = lang === 'en'
      ? await j.signIn('coordinator')
      : await j.signIn('coordinator', { options: { locale: 'ar' }, labels: ARABIC_SIGN_IN });
    await j.follow(page, page.locator('#cohorts').getByRole('link', { name: site.cohort }), `${lang}-board`);
    await j.submit(page, page.locator('#board-import'), `${lang}-import-page`);
    await expectText(page.locator('h1'), `${words.title}: ${site.cohort}`, 'the import page');
    const upload = async (name, text) => {
      const form = page.locator('#import-form');
      await form.getByLabel(words.labels.check).check();
      await form.getByLabel(words.labels.file).setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') });
      return form.getByRole('button', { name: words.labels.send });
    };
    // Bad rows: each named with its line, nothing changed.
    await j.submit(page, await upload('bad.csv', words.bad), `${lang}-bad-rows`, 400);
    await expectAttribute(page.locator('#import-refused'), 'role', 'alert', 'the refusal');
    const problems = (await page.locator('#import-problems').innerText()).replace(/[\u2068\u2069]/g, '');
    for (const line of words.refused) check(line.test(problems), `${line} in the refusal:\n${problems}`);
    await expectAbsent(page.locator('#import-plan'), 'no plan for a refused file');
    // A good file: checked, then confirmed.
    await j.submit(page, await upload('good.csv', words.good), `${lang}-checked`);
    const summary = (await page.locator('#import-plan-summary').innerText()).replace(/[\u2068\u2069]/g, '');
    check(words.plan.test(summary), `what would change: ${summary}`);
    await j.submit(page, page.getByRole('button', { name: words.labels.confirm }), `${lang}-imported`);
    const said = (await page.getByRole('status').innerText()).replace(/[\u2068\u2069]/g, '');
    check(words.done.test(said), `the confirmation: ${said}`);
    await expectAbsent(page.locator('#import-plan'), 'the plan is gone once imported');
    if (lang === 'ar') {
      await expectAttribute(page.locator('html'), 'dir', 'rtl', 'the Arabic page reads right to left');
    }
  }
}
