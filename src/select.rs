//! Event selection (`[select]`): which articles a run compares.
//!
//! Real dumps mix the event with everything else. An article is selected when its published
//! day is within `published_from` ..= `published_to`, its detected language is one of
//! `languages`, and its topic hits satisfy `query`, a boolean expression over topic and actor
//! ids (`lavrov AND tillerson AND (syria OR ukraine_minsk)`; NOT binds tightest, then AND, then
//! OR). Each condition left out selects everything. Articles outside the selection are
//! analysed (so the cache keeps them) but left out of every table, and listed with the first
//! condition they fail in `excluded.csv`.

use crate::config::SelectSection;
use crate::topics::Topic;

/// A parsed query over topic ids (`T` = id as written, then topic index).
#[derive(Debug, Clone, PartialEq)]
pub enum Query<T> {
    Topic(T),
    Not(Box<Query<T>>),
    And(Box<Query<T>>, Box<Query<T>>),
    Or(Box<Query<T>>, Box<Query<T>>),
}

/// A query syntax error: the 1-based character position it was found at, and what is wrong.
#[derive(Debug, PartialEq)]
pub struct SyntaxError {
    pub position: usize,
    pub message: String,
}

/// Parses `text` into a query over ids (each paired with its 1-based position, to name an
/// unknown one).
pub fn parse(text: &str) -> Result<Query<(String, usize)>, SyntaxError> {
    let tokens = lex(text)?;
    let mut parser = Parser { tokens, at: 0 };
    let query = parser.or()?;
    match parser.tokens.get(parser.at) {
        None => Ok(query),
        Some((position, token)) => Err(SyntaxError {
            position: *position,
            message: format!("unexpected {}", token.describe()),
        }),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Id(String),
    And,
    Or,
    Not,
    Open,
    Close,
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Id(id) => format!("{id:?}"),
            Token::And => "AND".into(),
            Token::Or => "OR".into(),
            Token::Not => "NOT".into(),
            Token::Open => "\"(\"".into(),
            Token::Close => "\")\"".into(),
        }
    }
}

fn lex(text: &str) -> Result<Vec<(usize, Token)>, SyntaxError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let position = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' || c == ')' {
            tokens.push((position, if c == '(' { Token::Open } else { Token::Close }));
            i += 1;
        } else if c.is_alphanumeric() || c == '_' || c == '-' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '-')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            tokens.push((
                position,
                match word.as_str() {
                    "AND" | "and" => Token::And,
                    "OR" | "or" => Token::Or,
                    "NOT" | "not" => Token::Not,
                    _ => Token::Id(word),
                },
            ));
        } else {
            return Err(SyntaxError {
                position,
                message: format!("unexpected character {c:?}"),
            });
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(_, t)| t)
    }

    /// Where the next token is, or one past the end.
    fn position(&self) -> usize {
        match self.tokens.get(self.at) {
            Some((p, _)) => *p,
            None => self.tokens.last().map_or(1, |(p, t)| {
                p + match t {
                    Token::Id(id) => id.chars().count(),
                    Token::And | Token::Not => 3,
                    Token::Or => 2,
                    Token::Open | Token::Close => 1,
                }
            }),
        }
    }

    fn or(&mut self) -> Result<Query<(String, usize)>, SyntaxError> {
        let mut left = self.and()?;
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            left = Query::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Query<(String, usize)>, SyntaxError> {
        let mut left = self.not()?;
        while self.peek() == Some(&Token::And) {
            self.at += 1;
            left = Query::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Query<(String, usize)>, SyntaxError> {
        if self.peek() == Some(&Token::Not) {
            self.at += 1;
            return Ok(Query::Not(Box::new(self.not()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Query<(String, usize)>, SyntaxError> {
        let position = self.position();
        match self.tokens.get(self.at).cloned() {
            Some((_, Token::Id(id))) => {
                self.at += 1;
                Ok(Query::Topic((id, position)))
            }
            Some((_, Token::Open)) => {
                self.at += 1;
                let inner = self.or()?;
                if self.peek() != Some(&Token::Close) {
                    return Err(SyntaxError {
                        position: self.position(),
                        message: format!("expected \")\" to close the \"(\" at {position}"),
                    });
                }
                self.at += 1;
                Ok(inner)
            }
            Some((_, token)) => Err(SyntaxError {
                position,
                message: format!(
                    "expected a topic or actor id, NOT or \"(\", found {}",
                    token.describe()
                ),
            }),
            None => Err(SyntaxError {
                position,
                message: "expected a topic or actor id, NOT or \"(\" at the end".into(),
            }),
        }
    }
}

impl<T> Query<T> {
    fn map<U>(self, f: &mut impl FnMut(T) -> U) -> Query<U> {
        match self {
            Query::Topic(t) => Query::Topic(f(t)),
            Query::Not(q) => Query::Not(Box::new(q.map(f))),
            Query::And(a, b) => Query::And(Box::new(a.map(f)), Box::new(b.map(f))),
            Query::Or(a, b) => Query::Or(Box::new(a.map(f)), Box::new(b.map(f))),
        }
    }

    /// Every id of the query, in order.
    pub fn ids(&self) -> Vec<&T> {
        match self {
            Query::Topic(t) => vec![t],
            Query::Not(q) => q.ids(),
            Query::And(a, b) | Query::Or(a, b) => {
                let mut ids = a.ids();
                ids.extend(b.ids());
                ids
            }
        }
    }
}

impl Query<usize> {
    fn holds(&self, mentions: &dyn Fn(usize) -> bool) -> bool {
        match self {
            Query::Topic(t) => mentions(*t),
            Query::Not(q) => !q.holds(mentions),
            Query::And(a, b) => a.holds(mentions) && b.holds(mentions),
            Query::Or(a, b) => a.holds(mentions) || b.holds(mentions),
        }
    }
}

/// A run's selection, its query resolved to topic indices.
#[derive(Debug)]
pub struct Selection {
    /// Where a day starts (`[run] day_zone`).
    zone: chrono::FixedOffset,
    from: Option<String>,
    to: Option<String>,
    languages: Vec<String>,
    query: Option<(String, Query<usize>)>,
}

impl Selection {
    /// The selection of a `[select]` section already checked by the config (valid dates and
    /// query, known ids); `None` when it selects everything.
    pub fn new(
        section: &SelectSection,
        topics: &[Topic],
        zone: chrono::FixedOffset,
    ) -> Option<Selection> {
        let query = section.query.as_ref().and_then(|text| {
            let parsed = parse(text).ok()?;
            let mut index = |(id, _): (String, usize)| {
                topics.iter().position(|t| t.id == id).unwrap_or(usize::MAX)
            };
            Some((text.clone(), parsed.map(&mut index)))
        });
        let selection = Selection {
            zone,
            from: section.published_from.clone(),
            to: section.published_to.clone(),
            languages: section.languages.clone(),
            query,
        };
        let selects_all = selection.from.is_none()
            && selection.to.is_none()
            && selection.languages.is_empty()
            && selection.query.is_none();
        (!selects_all).then_some(selection)
    }

    /// Why an article is outside the selection (the first condition it fails), or `None`.
    pub fn exclusion(
        &self,
        published: &str,
        language: &str,
        mentions: &dyn Fn(usize) -> bool,
    ) -> Option<String> {
        if self.from.is_some() || self.to.is_some() {
            let Some(date) = crate::dates::read(published) else {
                return Some(if published.trim().is_empty() {
                    "no published date ([select] has a date range)".into()
                } else {
                    format!("unreadable published date {published:?} ([select] has a date range)")
                });
            };
            let day = date.day(self.zone).to_string();
            let day = day.as_str();
            if let Some(from) = self.from.as_deref().filter(|from| day < *from) {
                return Some(format!("published {day}, before published_from {from}"));
            }
            if let Some(to) = self.to.as_deref().filter(|to| day > *to) {
                return Some(format!("published {day}, after published_to {to}"));
            }
        }
        if !self.languages.is_empty() && !self.languages.iter().any(|l| l == language) {
            return Some(format!(
                "language {language} not in [select] languages ({})",
                self.languages.join(", ")
            ));
        }
        if let Some((text, query)) = &self.query {
            if !query.holds(mentions) {
                return Some(format!("query not satisfied: {text}"));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(text: &str) -> Query<String> {
        parse(text).unwrap().map(&mut |(id, _)| id)
    }

    fn id(s: &str) -> Box<Query<String>> {
        Box::new(Query::Topic(s.to_string()))
    }

    #[test]
    fn precedence_is_not_then_and_then_or() {
        assert_eq!(
            shape("a OR b AND NOT c"),
            Query::Or(
                id("a"),
                Box::new(Query::And(id("b"), Box::new(Query::Not(id("c")))))
            )
        );
        assert_eq!(
            shape("(a OR b) AND c"),
            Query::And(Box::new(Query::Or(id("a"), id("b"))), id("c"))
        );
    }

    #[test]
    fn syntax_errors_name_the_position() {
        let err = |text: &str| parse(text).unwrap_err();
        assert_eq!(err("lavrov AND").position, 11);
        assert_eq!(err("lavrov AND AND syria").position, 12);
        assert_eq!(err("(lavrov OR syria").position, 17);
        assert!(err("(lavrov OR syria").message.contains("\")\""));
        assert_eq!(err("lavrov syria").position, 8);
        assert_eq!(err("lavrov & syria").position, 8);
        assert_eq!(err("").position, 1);
    }

    #[test]
    fn ids_keep_their_positions() {
        let q = parse("lavrov AND (syra OR x)").unwrap();
        let ids: Vec<&(String, usize)> = q.ids();
        assert_eq!(ids[1], &("syra".to_string(), 13));
    }
}
