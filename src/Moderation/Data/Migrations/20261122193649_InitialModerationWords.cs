using System;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Live.Moderation.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialModerationWords : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterDatabase()
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.CreateTable(
                name: "moderation_words",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("MySql:ValueGenerationStrategy", MySqlValueGenerationStrategy.IdentityColumn),
                    word = table.Column<string>(type: "varchar(64)", maxLength: 64, nullable: false, collation: "utf8mb4_bin")
                        .Annotation("MySql:CharSet", "utf8mb4"),
                    action = table.Column<byte>(type: "tinyint unsigned", nullable: false),
                    room_id = table.Column<long>(type: "bigint", nullable: true),
                    room_scope = table.Column<long>(type: "bigint", nullable: false, computedColumnSql: "IFNULL(`room_id`, 0)", stored: true),
                    created_at = table.Column<DateTime>(type: "datetime(6)", nullable: false),
                    created_by = table.Column<string>(type: "varchar(128)", maxLength: 128, nullable: false)
                        .Annotation("MySql:CharSet", "utf8mb4")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_moderation_words", x => x.id);
                })
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.CreateIndex(
                name: "ix_moderation_words_room_id",
                table: "moderation_words",
                columns: new[] { "room_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ux_moderation_words_room_word",
                table: "moderation_words",
                columns: new[] { "room_scope", "word" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "moderation_words");
        }
    }
}
