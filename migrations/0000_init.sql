CREATE TABLE `batches` (
	`batch_index` integer PRIMARY KEY NOT NULL,
	`first_block` integer NOT NULL,
	`last_block` integer NOT NULL,
	`tx_root` text NOT NULL,
	`state_root` text NOT NULL,
	`data_hash` text NOT NULL,
	`relayer` text NOT NULL,
	`l1_block` integer NOT NULL,
	`l1_tx_hash` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `epochs` (
	`number` integer PRIMARY KEY NOT NULL,
	`first_block` integer NOT NULL,
	`last_block` integer NOT NULL,
	`sequencer` text NOT NULL,
	`seed` text NOT NULL,
	`reason` text NOT NULL,
	`started_at_height` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `hosts` (
	`address` text PRIMARY KEY NOT NULL,
	`sequencer_id` integer,
	`owner` text,
	`rpc_url` text NOT NULL,
	`peer_url` text,
	`stake` text DEFAULT '0' NOT NULL,
	`power` integer DEFAULT 0 NOT NULL,
	`status` text NOT NULL,
	`is_active` integer DEFAULT false NOT NULL,
	`healthy` integer DEFAULT false NOT NULL,
	`l2_height` integer,
	`height_changed_at` integer,
	`latency_ms` integer,
	`checked_at` integer,
	`last_error` text
);
--> statement-breakpoint
CREATE TABLE `l1_events` (
	`block_number` integer NOT NULL,
	`log_index` integer NOT NULL,
	`tx_hash` text NOT NULL,
	`contract` text NOT NULL,
	`name` text NOT NULL,
	`sequencer_id` integer,
	`addresses` text NOT NULL,
	`args` text NOT NULL,
	PRIMARY KEY(`block_number`, `log_index`)
);
--> statement-breakpoint
CREATE INDEX `l1_events_sequencer` ON `l1_events` (`sequencer_id`);--> statement-breakpoint
CREATE TABLE `network` (
	`id` integer PRIMARY KEY NOT NULL,
	`chain_id` text NOT NULL,
	`consensus_height` integer NOT NULL,
	`l2_chain_id` integer NOT NULL,
	`epoch` integer NOT NULL,
	`epoch_first_block` integer NOT NULL,
	`epoch_last_block` integer NOT NULL,
	`epoch_reason` text NOT NULL,
	`next_epoch` integer,
	`active_sequencer` text NOT NULL,
	`l2_latest` integer NOT NULL,
	`l2_safe` integer NOT NULL,
	`l2_finalized` integer NOT NULL,
	`mpc_address` text,
	`mpc_threshold` integer NOT NULL,
	`mpc_parties` text NOT NULL,
	`params` text NOT NULL,
	`source` text NOT NULL,
	`synced_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `proposals` (
	`position` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`proposer` text NOT NULL,
	`kind` text NOT NULL,
	`change` text NOT NULL,
	`status` text NOT NULL,
	`submitted_height` integer NOT NULL,
	`voting_end_height` integer NOT NULL,
	`effective_height` integer,
	`tally` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `proposals_id_unique` ON `proposals` (`id`);--> statement-breakpoint
CREATE TABLE `rotation_triggers` (
	`key` text PRIMARY KEY NOT NULL,
	`epoch` integer NOT NULL,
	`reason` text NOT NULL,
	`status` text NOT NULL,
	`holder` text,
	`lease_until` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`observed_l2_height` integer NOT NULL,
	`tx_hash` text,
	`code` integer,
	`log` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `rotations` (
	`epoch` integer PRIMARY KEY NOT NULL,
	`from_address` text,
	`to_address` text NOT NULL,
	`reason` text NOT NULL,
	`l2_start_block` integer NOT NULL,
	`height` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sequencers` (
	`sequencer_id` integer PRIMARY KEY NOT NULL,
	`signer` text NOT NULL,
	`owner` text NOT NULL,
	`locked` text DEFAULT '0' NOT NULL,
	`reward` text DEFAULT '0' NOT NULL,
	`status` text NOT NULL,
	`reward_recipient` text,
	`unlock_claim_time` integer,
	`updated_at_block` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sequencers_signer` ON `sequencers` (`signer`);--> statement-breakpoint
CREATE INDEX `sequencers_owner` ON `sequencers` (`owner`);--> statement-breakpoint
CREATE TABLE `sync_cursors` (
	`name` text PRIMARY KEY NOT NULL,
	`position` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `votes` (
	`proposal_id` text NOT NULL,
	`voter` text NOT NULL,
	`option` text NOT NULL,
	`power` text NOT NULL,
	`height` integer NOT NULL,
	PRIMARY KEY(`proposal_id`, `voter`)
);
