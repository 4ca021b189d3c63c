CREATE TABLE `filters` (
	`id` text PRIMARY KEY NOT NULL,
	`client` text NOT NULL,
	`kind` text NOT NULL,
	`criteria` text,
	`cursor` integer NOT NULL,
	`created_at` integer NOT NULL,
	`last_polled_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `filters_client` ON `filters` (`client`,`last_polled_at`);--> statement-breakpoint
CREATE INDEX `filters_last_polled` ON `filters` (`last_polled_at`);