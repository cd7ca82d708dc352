//! Contract of [`TemplateStorage`]: IaaS machine templates.
use super::{assert_conflict, assert_not_found};
use crate::iaas::{
    template_already_exists, Template, TemplateData, TemplateStorage, TEMPLATE_NOT_FOUND,
};

fn template(name: &str, iaas: &str) -> Template {
    Template {
        name: name.into(),
        iaas_name: iaas.into(),
        data: vec![
            TemplateData { name: "image".into(), value: "ami-1".into() },
            TemplateData { name: "type".into(), value: "t2.micro".into() },
        ],
    }
}

/// A stored template is found by name with its data in order; a taken name is a conflict.
pub async fn insert_find_and_conflict(storage: &dyn TemplateStorage) {
    let t = template("small", "ec2");
    storage.insert(&t).await.expect("insert");
    assert_eq!(storage.find("small").await.expect("find"), Some(t.clone()));
    assert_eq!(storage.find("big").await.expect("find"), None);
    assert_conflict(
        storage.insert(&template("small", "other")).await,
        &template_already_exists("small"),
    );
    assert_eq!(storage.find("small").await.expect("find"), Some(t));
}

/// `update` replaces a template; unknown names are `template not found` for update and delete;
/// `list` keeps insertion order.
pub async fn update_list_delete(storage: &dyn TemplateStorage) {
    storage.insert(&template("b", "ec2")).await.expect("insert");
    storage.insert(&template("a", "ec2")).await.expect("insert");
    let mut changed = template("b", "other");
    changed.data.truncate(1);
    storage.update(&changed).await.expect("update");
    assert_eq!(storage.find("b").await.expect("find"), Some(changed));
    assert_not_found(storage.update(&template("zz", "ec2")).await, TEMPLATE_NOT_FOUND);
    let names = |all: Vec<Template>| all.into_iter().map(|t| t.name).collect::<Vec<_>>();
    assert_eq!(names(storage.list().await.expect("list")), ["b", "a"]);
    storage.delete("b").await.expect("delete");
    assert_eq!(names(storage.list().await.expect("list")), ["a"]);
    assert_not_found(storage.delete("b").await, TEMPLATE_NOT_FOUND);
}
