//! `countersign overdue`: obligations whose deadline has passed without
//! an acknowledgement or answer, and those due soon, in both directions
//! (`out`: the counterpart owes us; `in`: we owe it).

use clap::Args;
use serde_json::json;

use countersign_node::access::Viewer;
use countersign_node::obligations::DueItem;

use super::DataArg;

#[derive(Args, Debug)]
pub struct OverdueArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// Hours ahead that count as due soon.
    #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(i64).range(0..=8760))]
    pub soon_hours: i64,
    #[arg(long)]
    pub json: bool,
}

fn item_json(i: &DueItem) -> serde_json::Value {
    json!({
        "notification": i.notification.to_string(),
        "title": i.title,
        "from": i.from.to_string(),
        "recipient": i.recipient.to_string(),
        "direction": i.direction.as_str(),
        "deadline": i.which.as_str(),
        "due": i.due.to_string(),
        "protected": i.protected,
        "stage": i.stage.as_str(),
    })
}

fn row(i: &DueItem) -> Vec<String> {
    vec![
        i.due.to_string(),
        i.which.as_str().to_owned(),
        i.direction.as_str().to_owned(),
        i.from.to_string(),
        i.recipient.to_string(),
        i.stage.as_str().to_owned(),
        if i.protected { "yes" } else { "" }.to_owned(),
        i.notification.to_string()[..12].to_owned(),
        i.title.clone(),
    ]
}

pub async fn run(args: OverdueArgs) -> anyhow::Result<()> {
    let node = args.data.open().await?;
    let lists = node
        .due_lists(&Viewer::Operator, args.soon_hours * 3600)
        .await?;
    if args.json {
        return super::output::json(&json!({
            "overdue": lists.overdue.iter().map(item_json).collect::<Vec<_>>(),
            "soon_due": lists.soon_due.iter().map(item_json).collect::<Vec<_>>(),
        }));
    }
    let header = [
        "DUE",
        "DEADLINE",
        "DIR",
        "FROM",
        "TO",
        "STAGE",
        "PROTECTED",
        "ID",
        "TITLE",
    ];
    println!("Overdue ({}):", lists.overdue.len());
    super::output::table(&header, &lists.overdue.iter().map(row).collect::<Vec<_>>());
    println!();
    println!(
        "Due within {} hours ({}):",
        args.soon_hours,
        lists.soon_due.len()
    );
    super::output::table(&header, &lists.soon_due.iter().map(row).collect::<Vec<_>>());
    Ok(())
}
