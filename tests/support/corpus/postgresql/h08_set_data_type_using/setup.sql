CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "age" TEXT,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);
INSERT INTO "User" ("age") VALUES ('42'), ('abc');
