BEGIN TRY

BEGIN TRAN;

-- RenameTable
EXEC SP_RENAME N'dbo.Tag', N'Label', N'OBJECT';

-- Renamed by hand
EXEC SP_RENAME N'dbo.User.bio', N'about', N'COLUMN';

-- CreateIndex
ALTER TABLE [dbo].[User] ADD CONSTRAINT [User_email_key] UNIQUE NONCLUSTERED ([email]);

COMMIT TRAN;

END TRY
BEGIN CATCH

IF @@TRANCOUNT > 0
BEGIN
    ROLLBACK TRAN;
END;
THROW

END CATCH
