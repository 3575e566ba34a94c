// The wallet's risk rule sets (issue 13): show the live one and the candidate, put a candidate from a file (it
// starts in shadow beside live), read its shadow report, promote it. The file is the rule set's own JSON, the form
// `risk rules show --json` prints under live.ruleSet, so the live rule set is the template for the next. The wallet
// validates it whole (RISK_RULE_SET_INVALID names every problem: exit 1); a file that is not JSON is not sent (2).
import { readFileSync } from 'node:fs';
import {
  GetRiskShadowReportResponse,
  RiskShadowTally,
  type RiskRuleSet,
} from '@citypass/proto/wallet/v1/risk_rule_sets';
import type { Command } from './commands.ts';

const show: Command = {
  words: ['risk', 'rules', 'show'],
  usage: 'citypass risk rules show',
  summary: 'the live risk rule set and the candidate in shadow (--json: each with its rule set, the file put takes)',
  options: {},
  positionals: 0,
  gateway: true,
  async run(context) {
    const sets = await context.wallet().getRiskRuleSets({});
    return context.out.result(
      {
        live: sets.live === undefined ? null : ruleSetJson(sets.live),
        candidate: sets.candidate === undefined ? null : ruleSetJson(sets.candidate),
        instanceLiveVersion: sets.instanceLiveVersion,
        instanceCandidateVersion: sets.instanceCandidateVersion,
      },
      [
        sets.live === undefined ? 'live: none' : `live: ${describe(sets.live)}`,
        sets.candidate === undefined ? 'candidate: none in shadow' : `candidate: ${describe(sets.candidate)}`,
      ],
    );
  },
};

const put: Command = {
  words: ['risk', 'rules', 'put'],
  usage: 'citypass risk rules put <rule-set.json>',
  summary: 'start a candidate risk rule set in shadow beside the live one (replacing any other candidate)',
  options: {},
  positionals: 1,
  gateway: true,
  async run(context) {
    const path = context.positionals[0] ?? '';
    let file: string;
    try {
      file = readFileSync(path, 'utf8');
    } catch (error) {
      return context.out.usage(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    try {
      JSON.parse(file);
    } catch (error) {
      return context.out.usage(`${path}: not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    const { candidate, started } = await context.wallet().putRiskRuleSetCandidate({ ruleSetJson: file });
    const version = candidate?.version ?? '';
    return context.out.result({ version, started }, [
      started ? `candidate ${version} runs in shadow from now` : `candidate ${version} was already running in shadow`,
    ]);
  },
};

const shadow: Command = {
  words: ['risk', 'rules', 'shadow'],
  usage: 'citypass risk rules shadow',
  summary: 'what the candidate would have done differently from live: since it started, and over recent decisions',
  options: {},
  positionals: 0,
  gateway: true,
  async run(context) {
    const report = await context.wallet().getRiskShadowReport({});
    return context.out.result(GetRiskShadowReportResponse.toJSON(report) as Record<string, unknown>, [
      `candidate ${report.candidateVersion} beside live ${report.liveVersion}, since ${report.startedAt?.toISOString() ?? ''}`,
      `shadow:   ${tallyLine(report.shadow)}`,
      `backtest: ${tallyLine(report.backtest)} (newest ${report.backtestLimit} stored decisions at most, ${report.backtestTaps} gate taps)`,
      `promotion needs ${report.minDecisions} decisions in shadow and at most ${report.maxDeclineShare * 100} % would-be declines`,
    ]);
  },
};

const promote: Command = {
  words: ['risk', 'rules', 'promote'],
  usage: 'citypass risk rules promote <version>',
  summary: 'make the candidate live on every wallet instance, if its shadow run allows (repeating it changes nothing)',
  options: {},
  positionals: 1,
  gateway: true,
  async run(context) {
    const version = context.positionals[0] ?? '';
    const promoted = await context.wallet().promoteRiskRuleSet({ version });
    return context.out.result(
      {
        version: promoted.live?.version ?? '',
        promoted: promoted.promoted,
        shadow: promoted.shadow === undefined ? null : RiskShadowTally.toJSON(promoted.shadow),
      },
      [
        promoted.promoted ? `${version} is live` : `${version} was already live`,
        `on its shadow run: ${tallyLine(promoted.shadow)}`,
      ],
    );
  },
};

/** The message with its rule set as an object rather than a JSON string. */
function ruleSetJson(ruleSet: RiskRuleSet): Record<string, unknown> {
  const { ruleSetJson: json, ...rest } = ruleSet;
  return {
    ...rest,
    createdAt: rest.createdAt?.toISOString() ?? null,
    promotedAt: rest.promotedAt?.toISOString() ?? null,
    ruleSet: JSON.parse(json) as unknown,
  };
}

function describe(ruleSet: RiskRuleSet): string {
  const origin = ruleSet.builtIn
    ? 'built in'
    : ruleSet.promotedAt === undefined
      ? `put by ${ruleSet.createdBy} at ${ruleSet.createdAt?.toISOString() ?? ''}`
      : `promoted by ${ruleSet.promotedBy} at ${ruleSet.promotedAt.toISOString()}`;
  return `${ruleSet.version} (${ruleSet.ruleCount} rules, ${origin})`;
}

function tallyLine(tally: RiskShadowTally | undefined): string {
  if (tally === undefined) return 'nothing decided';
  const byRule = Object.entries(tally.wouldDeclineByRule)
    .map(([rule, count]) => `${rule} ${count}`)
    .join(', ');
  return (
    `${tally.decisions} decided, ${tally.same} alike, would decline ${tally.wouldDecline}` +
    `${byRule === '' ? '' : ` (${byRule})`}, approve ${tally.wouldApprove}, step up ${tally.wouldStepUp}, ` +
    `review ${tally.wouldReview}; candidate declines ${tally.candidateDeclines}, live ${tally.liveDeclines}`
  );
}

export const riskRulesCommands: readonly Command[] = [show, put, shadow, promote];
