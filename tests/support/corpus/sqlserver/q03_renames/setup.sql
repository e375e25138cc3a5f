CREATE TABLE [dbo].[User] (
    [id] INT NOT NULL IDENTITY(1,1),
    [email] NVARCHAR(1000) NOT NULL,
    [name] NVARCHAR(1000),
    [bio] NVARCHAR(1000),
    [balance] INT NOT NULL CONSTRAINT [User_balance_df] DEFAULT 0,
    CONSTRAINT [User_pkey] PRIMARY KEY CLUSTERED ([id])
);
INSERT INTO [dbo].[User] ([email], [name], [bio], [balance]) VALUES (N'same@example.com', N'Ada', N'hi', 10), (N'same@example.com', N'Ada', NULL, 20);

CREATE TABLE [dbo].[Tag] ([id] INT NOT NULL IDENTITY(1,1), [label] NVARCHAR(1000) NOT NULL, CONSTRAINT [Tag_pkey] PRIMARY KEY CLUSTERED ([id]));
