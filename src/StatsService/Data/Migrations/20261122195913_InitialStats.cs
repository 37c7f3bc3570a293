using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Live.StatsService.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialStats : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterDatabase()
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.CreateTable(
                name: "follows",
                columns: table => new
                {
                    user_id = table.Column<long>(type: "bigint", nullable: false),
                    anchor_user_id = table.Column<long>(type: "bigint", nullable: false),
                    created_at = table.Column<DateTime>(type: "datetime(6)", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_follows", x => new { x.user_id, x.anchor_user_id });
                })
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.CreateTable(
                name: "room_minute_rollups",
                columns: table => new
                {
                    room_id = table.Column<long>(type: "bigint", nullable: false),
                    minute = table.Column<DateTime>(type: "datetime", nullable: false),
                    messages = table.Column<long>(type: "bigint", nullable: false),
                    gifts = table.Column<long>(type: "bigint", nullable: false),
                    gift_value = table.Column<long>(type: "bigint", nullable: false),
                    unique_senders = table.Column<long>(type: "bigint", nullable: false),
                    peak_viewers = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_room_minute_rollups", x => new { x.room_id, x.minute });
                })
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.CreateTable(
                name: "stats_applied_gifts",
                columns: table => new
                {
                    idempotency_key = table.Column<string>(type: "varchar(64)", maxLength: 64, nullable: false)
                        .Annotation("MySql:CharSet", "utf8mb4"),
                    applied_at = table.Column<DateTime>(type: "datetime(6)", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_stats_applied_gifts", x => x.idempotency_key);
                })
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.CreateTable(
                name: "stats_offsets",
                columns: table => new
                {
                    topic = table.Column<string>(type: "varchar(200)", maxLength: 200, nullable: false)
                        .Annotation("MySql:CharSet", "utf8mb4"),
                    partition_id = table.Column<int>(type: "int", nullable: false),
                    applied_offset = table.Column<long>(type: "bigint", nullable: false),
                    updated_at = table.Column<DateTime>(type: "datetime(6)", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_stats_offsets", x => new { x.topic, x.partition_id });
                })
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.CreateIndex(
                name: "ix_follows_anchor",
                table: "follows",
                column: "anchor_user_id");

            migrationBuilder.CreateIndex(
                name: "ix_follows_user_created",
                table: "follows",
                columns: new[] { "user_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_room_minute_rollups_minute",
                table: "room_minute_rollups",
                column: "minute");

            migrationBuilder.CreateIndex(
                name: "ix_stats_applied_gifts_applied_at",
                table: "stats_applied_gifts",
                column: "applied_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "follows");

            migrationBuilder.DropTable(
                name: "room_minute_rollups");

            migrationBuilder.DropTable(
                name: "stats_applied_gifts");

            migrationBuilder.DropTable(
                name: "stats_offsets");
        }
    }
}
