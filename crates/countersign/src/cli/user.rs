//! `countersign user add|list|token`.

use clap::Subcommand;

use countersign_core::access::Role;
use countersign_core::ids::PartyId;
use countersign_node::auth::random_secret;

use super::{DataArg, output};

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user of a hosted party; a password is generated and shown once.
    Add {
        #[command(flatten)]
        data: DataArg,
        #[arg(long)]
        username: String,
        #[arg(long, value_parser = PartyId::parse)]
        party: PartyId,
        #[arg(long, default_value = "analyst", value_parser = Role::parse)]
        role: Role,
    },
    /// List users.
    List {
        #[command(flatten)]
        data: DataArg,
        #[arg(long)]
        json: bool,
    },
    /// Create an API token for a user; it is shown once.
    Token {
        #[command(flatten)]
        data: DataArg,
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

pub async fn run(cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Add {
            data,
            username,
            party,
            role,
        } => {
            let node = data.open().await?;
            let password = random_secret(12);
            node.create_user(&username, &party, role, &password).await?;
            println!("created {username} ({role} of {party}); password: {password}");
        }
        UserCommand::List { data, json } => {
            let users = data
                .open()
                .await?
                .store()
                .list_users()
                .await
                .map_err(countersign_node::NodeError::from)?;
            let rows: Vec<Vec<String>> = users
                .iter()
                .map(|u| {
                    vec![
                        u.username.clone(),
                        u.party.to_string(),
                        u.role.to_string(),
                        u.created.to_string(),
                    ]
                })
                .collect();
            if json {
                let out: Vec<serde_json::Value> = users
                    .iter()
                    .map(|u| serde_json::json!({"username": u.username, "party": u.party, "role": u.role, "created": u.created}))
                    .collect();
                return output::json(&out);
            }
            output::table(&["USERNAME", "PARTY", "ROLE", "CREATED"], &rows);
        }
        UserCommand::Token {
            data,
            username,
            label,
        } => {
            let token = data
                .open()
                .await?
                .create_api_token(&username, &label)
                .await?;
            println!("{token}");
        }
    }
    Ok(())
}
