// The ARP claimer's counters as metric samples, for /metrics.

import { RELEASE_REASONS, type ArpClaimer } from '../arp/arp-claimer.ts';
import { ARP_DECODE_REASONS } from '../wire/arp.ts';
import { counter, gauge, type MetricSample } from './metric-sample.ts';

export function arpSamples(a: ArpClaimer): MetricSample[] {
  const c = a.counters;
  const out: MetricSample[] = [
    counter('synbait_arp_frames_received_total', 'ARP frames seen by the claimer', c.framesReceived),
  ];
  ARP_DECODE_REASONS.forEach((reason, i) => out.push(counter('synbait_decode_failures_total', 'Frames dropped as malformed or unsupported, by reason', c.decodeFailures[i]!, { reason })));
  RELEASE_REASONS.forEach((reason, i) => out.push(counter('synbait_arp_releases_total', 'Claimed addresses given up because another host showed it is alive, by evidence', c.releases[i]!, { reason })));
  out.push(
    counter('synbait_arp_claims_total', 'Addresses claimed after unanswered requests and probes', c.claims),
    counter('synbait_arp_candidates_dropped_total', 'Addresses not claimed because another host showed it is alive', c.candidatesDropped),
    counter('synbait_arp_requests_ignored_total', 'ARP requests not counted nor answered', c.requestsIneligible, { reason: 'ineligible' }),
    counter('synbait_arp_requests_ignored_total', 'ARP requests not counted nor answered', c.requestsOwnerRecent, { reason: 'owner_recently_seen' }),
    counter('synbait_arp_requests_ignored_total', 'ARP requests not counted nor answered', c.requestsVerifying, { reason: 'probing' }),
    counter('synbait_arp_requests_ignored_total', 'ARP requests not counted nor answered', c.ownFrames, { reason: 'own_mac' }),
    counter('synbait_arp_replies_sent_total', 'ARP replies sent for claimed addresses', c.repliesSent),
    counter('synbait_arp_probes_sent_total', 'RFC 5227 ARP probes sent before claiming', c.probesSent),
    counter('synbait_arp_rate_limited_total', 'ARP frames not sent because of the rate limit', c.replyRateLimited, { kind: 'reply' }),
    counter('synbait_arp_rate_limited_total', 'ARP frames not sent because of the rate limit', c.probeRateLimited, { kind: 'probe' }),
    counter('synbait_arp_send_errors_total', 'ARP frames the capture device refused to send', c.sendErrors),
    counter('synbait_table_overflows_total', 'Entries dropped because a cap was hit (oldest first)', c.evictedClaimed, { table: 'arp_claimed' }),
    counter('synbait_table_overflows_total', 'Entries dropped because a cap was hit (oldest first)', c.evictedCandidates, { table: 'arp_candidates' }),
    counter('synbait_table_overflows_total', 'Entries dropped because a cap was hit (oldest first)', c.evictedOwners, { table: 'arp_owners' }),
    counter('synbait_frames_ignored_total', 'Well-formed frames not acted on', c.notClaimed, { reason: 'not_claimed' }),
    gauge('synbait_arp_claimed_addresses', 'Addresses answered for with our MAC', a.claimedCount),
    gauge('synbait_arp_candidate_addresses', 'Addresses with unanswered requests being counted', a.candidateCount),
    gauge('synbait_arp_known_owners', 'Addresses recently seen alive (never claimed)', a.ownerCount),
  );
  return out;
}
