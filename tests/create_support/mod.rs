//! Fixtures for the "Create it for me" state and screen tests: what discovery found, choices,
//! outcomes, and driving the wizard to each of its screens.
#![allow(dead_code)]

use crossterm::event::KeyCode;
use gitlab_token::gitlab::access::Role;
use gitlab_token::gitlab::oauth::OAuthPair;
use gitlab_token::problem::ProblemKind;
use gitlab_token::provision::*;
use gitlab_token::token::Token;
use gitlab_token::wizard::create::{CreateEffect, CreateMsg};
use gitlab_token::wizard::signin::{DeviceShown, SigninEffect, SigninMsg};
use gitlab_token::wizard::{Effect, Msg, State, Ticket, update};

use super::drive::*;

/// The group Owner's own token (pasted) and a browser sign-in's pair: never on a screen.
pub const OWNER: &str = "glpat-TESTONLYowner0000000000";
pub const ACCESS: &str = "TESTONLYaccess0123456789abcdef0123456789abcdef0123456789abcdef";
pub const REFRESH: &str = "TESTONLYrefresh123456789abcdef0123456789abcdef0123456789abcdef";

pub fn owner_token() -> Token {
    Token::new(OWNER.into())
}

pub fn pair() -> OAuthPair {
    OAuthPair {
        access: Token::new(ACCESS.into()),
        refresh: Token::new(REFRESH.into()),
        expires_at: time::OffsetDateTime::now_utc() + time::Duration::hours(2),
        scopes: vec!["api".into()],
    }
}

pub fn code() -> DeviceShown {
    DeviceShown {
        user_code: "0A44L90H".into(),
        verification_uri: "https://gitlab.example.com/oauth/device".into(),
        complete: Some("https://gitlab.example.com/oauth/device?user_code=0A44L90H".into()),
        expires_in: 300,
        interval: 5,
    }
}

fn target(path: &str, kind: TargetKind, id: u64) -> TargetFacts {
    TargetFacts {
        path: path.into(),
        kind,
        id,
        top_level: "acme".into(),
        top_level_id: 10,
        caller_role: Some(Role::Owner),
        top_level_role: Some(Role::Owner),
    }
}

/// A group Owner (not an admin) on a self-managed Premium 18.6 EE, two targets in `acme`.
pub fn discovery() -> Discovery {
    Discovery {
        caller: Caller {
            id: 5,
            username: "olivia".into(),
            is_admin: false,
            admin_access: gitlab_token::provision::AdminAccess::None,
        },
        gitlab_com: false,
        version: Some((18, 6)),
        edition: Edition::Ee,
        tier: Tier::Premium,
        trial: false,
        targets: vec![
            target("acme", TargetKind::Group, 10),
            target("acme/tools", TargetKind::Group, 11),
        ],
    }
}

fn refused(kind: Kind, problem: ProblemKind, reason: &str) -> Candidate {
    Candidate {
        kind,
        verdict: Err(Refusal::Said {
            kind: problem,
            reason: reason.into(),
        }),
    }
}

/// Two possible kinds (group service account best, a group token) and one refused.
pub fn three_candidates() -> Choice {
    Choice {
        best: Some(Kind::GroupServiceAccount),
        options: vec![
            Candidate {
                kind: Kind::GroupServiceAccount,
                verdict: Ok(Why::said(
                    "You own acme, the top-level group of every target: its service account can be a member of all of them.",
                )),
            },
            refused(
                Kind::InstanceServiceAccount,
                ProblemKind::NotAdmin,
                "Only an administrator can create an instance service account.",
            ),
            Candidate {
                kind: Kind::GroupToken,
                verdict: Ok(Why::said(
                    "A group access token works too, but only in acme.",
                )),
            },
        ],
    }
}

pub fn nothing_possible() -> Choice {
    Choice {
        best: None,
        options: vec![
            refused(
                Kind::GroupServiceAccount,
                ProblemKind::NotOwner,
                "You are a Maintainer of acme, not its Owner: ask an Owner to run this.",
            ),
            refused(
                Kind::InstanceServiceAccount,
                ProblemKind::NotAdmin,
                "Only an administrator can create an instance service account.",
            ),
        ],
    }
}

pub fn outcome() -> Outcome {
    Outcome {
        account: AccountOutcome {
            id: 91,
            username: "acme-repo-scanner".into(),
            kind: Kind::GroupServiceAccount,
            created: true,
        },
        memberships: vec![
            MembershipOutcome {
                target: "acme".into(),
                access_level: 20,
                created: true,
                pending_approval: false,
            },
            MembershipOutcome {
                target: "acme/tools".into(),
                access_level: 30,
                created: false,
                pending_approval: false,
            },
        ],
        token: TokenOutcome {
            id: 77,
            created: true,
            scopes: vec![
                "read_api".into(),
                "read_repository".into(),
                "self_rotate".into(),
            ],
            permissions: Vec::new(),
            expires_at: Some("2027-02-21".into()),
        },
        stored_as: "repo-scanner@gitlab.example.com".into(),
        problems: vec![],
    }
}

pub fn failure() -> Failure {
    Failure {
        problems: vec![Note::Said {
            kind: ProblemKind::MembershipPendingApproval,
            message: "GitLab queued the membership in acme/tools for an administrator's approval."
                .into(),
        }],
        done: Done {
            account: Some(outcome().account),
            memberships: vec![outcome().memberships[0].clone()],
            token: None,
        },
    }
}

pub fn create(state: &mut State, msg: CreateMsg) -> Vec<Effect> {
    update(state, Msg::Create(msg))
}

/// The ticket and owner token of the one `Discover` among `effects`.
pub fn discover_of(effects: &[Effect]) -> (Ticket, String) {
    match effects {
        [Effect::Create(CreateEffect::Discover { ticket, owner, .. })] => {
            (*ticket, owner.expose().to_owned())
        }
        other => panic!("expected a Discover, got {other:?}"),
    }
}

/// The owner step with "Create it for me" and `targets`, then Enter: the authorize screen.
pub fn to_authorize(state: &mut State, targets: &str) {
    to_owner(state, "gitlab.example.com");
    key(state, KeyCode::Right);
    type_text(state, targets);
    key(state, KeyCode::Enter);
}

/// On the authorize screen: Enter starts the browser sign-in, GitLab approves it, and discovery
/// answers: the plan, authorized by the sign-in.
pub fn sign_in_and_discover(state: &mut State) {
    let t = match key(state, KeyCode::Enter).as_slice() {
        [Effect::Signin(SigninEffect::Start { ticket, .. })] => *ticket,
        other => panic!("{other:?}"),
    };
    update(state, Msg::Signin(SigninMsg::Code(t, Ok(code()))));
    let (dt, _) = discover_of(&update(
        state,
        Msg::Signin(SigninMsg::Done(t, Ok(Box::new(pair())))),
    ));
    create(state, CreateMsg::Discovered(dt, Ok(Box::new(discovery()))));
}

/// Authorized by a pasted token for `acme, acme/tools`, discovery answered: the plan.
pub fn to_plan_by_paste(state: &mut State) -> Ticket {
    to_authorize(state, "acme, acme/tools");
    key(state, KeyCode::Down);
    key(state, KeyCode::Enter);
    paste(state, OWNER);
    let (t, owner) = discover_of(&key(state, KeyCode::Enter));
    assert_eq!(owner, OWNER);
    create(state, CreateMsg::Discovered(t, Ok(Box::new(discovery()))));
    t
}

/// The plan shows `choice` (as `provision::choose` would have answered).
pub fn set_choice(state: &mut State, choice: Choice) {
    let c = state.creating.as_mut().unwrap();
    c.kind = choice.best;
    c.choice = Some(choice);
}

/// The creation running (group service account), its ticket.
pub fn to_executing(state: &mut State) -> Ticket {
    to_plan_by_paste(state);
    set_choice(state, three_candidates());
    match key(state, KeyCode::Enter).as_slice() {
        [Effect::Create(CreateEffect::Execute { ticket, .. })] => *ticket,
        other => panic!("expected an Execute, got {other:?}"),
    }
}
