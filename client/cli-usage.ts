// The CLI's usage text, apart from the commands: `disposition --help` prints it without loading them (the
// build writes it to dist/cli-usage.txt, which bin/disposition.js prints as it is).
import { STAFF_ACTIONS } from '../actions/registry';

export const USAGE = `Usage: disposition <command> [options]

Accounts
  user add --username U --role admin|legal [--email E] [--break-glass] --password-stdin
                                                     add a staff account; the password is read from stdin
Cases
  case start --file F [--allow-duplicate] [--json]   start a termination case from a case input JSON file; a
                                                     contract of the vendor with an open case is refused (exit 3)
                                                     unless --allow-duplicate
  case start --csv F [--dry-run] [--json]            start a case for each row of a CSV file (examples/bulk.csv);
                                                     --dry-run checks every row and starts nothing; exit 3 when a row is refused
  case list [--status S] [--vendor V] [--json]      list cases from the case record
  case show ID [--json]                              a case: status, tasks, timeline, return, statement
  case correspondence ID -o FILE                     every message sent for the case (.eml) with an index, as a ZIP
  case wait ID --status S [--timeout SECONDS]        return once the case has status S (default wait 60 s); exit 3
                                                     when it ended in another or is still elsewhere
${Object.values(STAFF_ACTIONS)
  .map((a) => `  ${`case ${a.cli.name} ID ${a.cli.usage}`.trimEnd().padEnd(51)}${a.cli.help}\n`)
  .join('')}Access log and intrusions (7400.1 I.C, I.D)
  audit verify [--checkpoint FILE]                   check the access and intrusion logs' hash chains (and a mailed
                                                     checkpoint); names the first broken entry, exit 3
  audit export [--case ID] [--from D] [--to D] [--format csv|json] [-o FILE]
  intrusions report [--from D] [--to D] [--format json|csv|pdf] [-o FILE]
Retention (7400.1 II.C)
  retention report [--json]                          returned data kept, until when, and what is on legal hold
Webhooks (other district systems follow cases; see the README)
  webhook add --url U --events S[,S…]|*             register an endpoint; prints its signing secret, once
  webhook list                                       the endpoints
  webhook secret ID                                  a new signing secret for the endpoint
  webhook remove ID                                  remove an endpoint
  webhook deliveries ID                              the endpoint's delivery log
  webhook resend ID DELIVERY                         deliver one again
Backup and restore (one machine; several machines: README, "Backup and restore")
  backup create FILE [--json]                        while npm start runs: one archive of the case record, the stored
                                                     files, the Temporal dev server's database and the keyring,
                                                     sealed with BACKUP_PASSPHRASE
  backup restore FILE [--json]                       into an empty DATA_DIR (and KEYS_DIR), all or nothing; needs the
                                                     same BACKUP_PASSPHRASE
Keys
  keys rotate                                        add new payload, file, link and signing keys and a new statement
                                                     certificate; old ones keep reading and verifying
Links
  link check TOKEN|URL                               is a vendor link valid, and for what
Outbox (one machine with no SMTP_URL: the mail written to DATA_DIR/outbox)
  outbox list [--case ID] [--json]                   the newest 50 messages, with the links in them
  outbox link ID [--task T] [--timeout SECONDS]      the newest mailed link that still opens the case's task (T's)
  outbox code ID [--timeout SECONDS]                 the newest signatory code mailed for the case (15 minutes)
Statements and packages
  statement get ID -o FILE                           save a case's (or a statement id's) PDF statement
  statement verify FILE [--cert PEM]                 check a statement's signature with no server: against the
                                                     district's certificates (the keyring's, or --cert: the file
                                                     GET /api/statements/certificate publishes)
  package get ID -o FILE                             save a case's returned data (the ZIP, decrypted)
  package build DIR --out FILE                       encrypted package of a folder; prints the ZIP SHA-256
  package open FILE --out ZIP                        decrypt a package

Connects to TEMPORAL_ADDRESS, else the address \`npm start\` wrote to DATA_DIR/temporal.address,
else 127.0.0.1:7233. Exit codes: 0 ok, 2 usage, 3 refused, 4 not found, 5 Temporal unavailable, 1 other.`;
