import { defineSection, opt } from '../../core/config/index.ts';

/** Options of the placement service; names follow placement.conf where one exists. */
export const placementConfig = defineSection('placement', 'Placement service (resource providers, inventories, allocations, allocation candidates).', {
  port: opt.int(8778, 'TCP port the placement API listens on (0 picks a free one).', { min: 0, max: 65535 }),
  database_url: opt.url('', 'Database URL for the placement service; empty uses database.url.', { secret: true }),
  max_allocation_candidates: opt.int(-1, 'Most allocation candidates one GET /allocation_candidates builds before it stops looking (-1 = no bound), as Placement [placement] max_allocation_candidates; the limit query parameter trims further.', { min: -1 }),
  randomize_allocation_candidates: opt.bool(false, 'Shuffle allocation candidates (and pick a random sample when a limit applies) instead of returning them in provider order, as Placement [placement] randomize_allocation_candidates.'),
  incomplete_consumer_project_id: opt.string('00000000-0000-0000-0000-000000000000', 'Project recorded for allocations written before microversion 1.8, which carry no project.'),
  incomplete_consumer_user_id: opt.string('00000000-0000-0000-0000-000000000000', 'User recorded for allocations written before microversion 1.8, which carry no user.'),
  allocation_conflict_retry_count: opt.int(10, 'How often a write of allocations is retried when a provider it touches changed in between (Placement [placement] allocation_conflict_retry_count).', { min: 0, max: 100 }),
});
