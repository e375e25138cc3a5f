-- CreateView
CREATE VIEW `RichUser` AS SELECT `id`, `email` FROM `User` WHERE `balance` > 15;

-- CreateTrigger
CREATE TRIGGER `User_lower_email` BEFORE INSERT ON `User` FOR EACH ROW SET NEW.`email` = LOWER(NEW.`email`);

-- CreateIndex
CREATE UNIQUE INDEX `User_email_key` ON `User`(`email`);
